using System.Diagnostics;
using Pgway.Protocol;

namespace Pgway.Pooling;

// The pool's totals as this client's traffic passes: a request runs from when the client sends it
// (or the previous pipelined one is answered) to its ReadyForQuery; a transaction from its first
// request to the ReadyForQuery that says idle. Loop thread only; Stopwatch ticks.
internal sealed partial class ClientSession
{
    private long requestStart;
    private long transactionStart;

    // This loop's shard of the pool's totals, fetched when the client logs in.
    private PoolStatistics.Shard counts = null!;

    // Bytes from the client, forwarded to the server; a request that starts now is timed from here.
    private void CountSent(int bytes)
    {
        counts.AddReceived(bytes);
        if (fromClient.Outstanding > 0 && requestStart == 0)
        {
            requestStart = Stopwatch.GetTimestamp();
            if (transactionStart == 0)
            {
                transactionStart = requestStart;
            }
        }
    }

    private void CountAnswered(TransactionStatus status)
    {
        if (fromClient.Outstanding == 0)
        {
            sentTransactionEnd = false;
        }
        if (pool is null || requestStart == 0)
        {
            return;
        }
        var now = Stopwatch.GetTimestamp();
        counts.AddQuery(requestStart, now);
        var more = fromClient.Outstanding > 0;
        requestStart = more ? now : 0;
        if (status == TransactionStatus.Idle)
        {
            counts.AddTransaction(transactionStart, now);
            transactionStart = more ? now : 0;
        }
    }
}
