using Pgway.Differential.Model;
using Pgway.Differential.Wire;

namespace Pgway.Differential.Generation;

// COPY FROM STDIN and TO STDOUT, in simple and extended protocol.
public sealed partial class ConversationGenerator
{
    private ConversationStep CopyIn(ClientModel model)
    {
        var extended = random.Next(3) == 0;
        var badTable = random.Next(8) == 0;
        var sql = badTable ? "COPY no_such_table FROM STDIN" : "COPY c (id, v) FROM STDIN";
        // Only when COPY IN certainly starts may a Sync or Flush go inside it (PostgreSQL ignores them there;
        // had the COPY failed, each would be a request of its own).
        var certain = !badTable && model.CopyInCertain;
        var messages = new List<FrontendMessage>();
        if (extended)
        {
            messages.Add(Frontend.Parse("", sql));
            messages.Add(Frontend.Bind("", "", []));
            messages.Add(Frontend.Execute(""));
            model.Unnamed = null;
        }
        else
        {
            messages.Add(Frontend.Query(sql));
            model.Unnamed = null;
        }
        var rows = random.Next(0, 4);
        for (var i = 0; i < rows; i++)
        {
            var row = $"{model.NextRow++}\tv{i}\n";
            if (random.Next(3) == 0)
            {
                // One row cut over two CopyData messages.
                var cut = random.Next(1, row.Length);
                messages.Add(Frontend.CopyData(row[..cut]));
                messages.Add(Frontend.CopyData(row[cut..]));
            }
            else
            {
                messages.Add(Frontend.CopyData(row));
            }
            if (certain && random.Next(4) == 0)
            {
                messages.Add(random.Next(2) == 0 ? Frontend.Sync(answered: false) : Frontend.Flush());
            }
        }
        var mayFail = badTable || model.WriteMayFail;
        if (random.Next(6) == 0)
        {
            // A row that does not parse: the COPY fails there.
            messages.Add(Frontend.CopyData("not a number\tv\n"));
            mayFail = true;
            while (random.Next(3) == 0)
            {
                // PostgreSQL fails the COPY at that row before it reads on, so it answers a Sync after it
                // (in the extended protocol the first ends the skipping to a Sync); so it does when the
                // COPY never began. Those inside the COPY before the row were read by it and ignored.
                messages.Add(Frontend.Sync());
            }
        }
        if (random.Next(6) == 0)
        {
            messages.Add(Frontend.CopyFail("client gave up"));
            mayFail = true;
        }
        else
        {
            messages.Add(Frontend.CopyDone());
        }
        if (mayFail)
        {
            model.MayHaveFailed();
        }
        if (extended || random.Next(3) == 0)
        {
            // Extended: the batch's Sync. Simple: a Sync after the COPY, which PostgreSQL answers too.
            messages.Add(Frontend.Sync());
        }
        return new ConversationStep(model.Index, messages, SplitSeed(), ReadAfter: random.Next(5) != 0);
    }

    private ConversationStep CopyOut(ClientModel model)
    {
        model.Unnamed = null;
        var sql = random.Next(2) == 0 ? "COPY (SELECT id, b FROM t ORDER BY id) TO STDOUT" : "COPY (SELECT id, v FROM c ORDER BY id) TO STDOUT WITH (FORMAT csv, HEADER)";
        if (model.BlockMayHaveFailed)
        {
            model.MayHaveFailed();
        }
        FrontendMessage[] messages = random.Next(2) == 0
            ? [Frontend.Query(sql)]
            : [Frontend.Parse("", sql), Frontend.Bind("", "", []), Frontend.Execute(""), Frontend.Sync()];
        return Single(model, messages);
    }
}
