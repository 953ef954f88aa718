using System.Net;
using System.Net.Sockets;
using Pgway.Differential.Model;
using Pgway.Differential.Wire;

namespace Pgway.Differential.Running;

/// <summary>
/// Runs a conversation against one endpoint: every client on its own connection, side by side, its
/// steps in the conversation's order; each client reads until it has every answer it is owed.
/// </summary>
public static class ConversationRunner
{
    public static async Task<IReadOnlyList<ClientTranscript>> RunAsync(Conversation conversation, IPEndPoint endPoint, RunnerOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(conversation);
        ArgumentNullException.ThrowIfNull(options);
        var turns = new TurnOrder([.. conversation.Steps.Select(s => s.Client)], options.TurnPatience, options.PoolSize, conversation.Startup.Count);
        var clients = Enumerable.Range(0, conversation.Startup.Count)
            .Select(client => RunClientAsync(conversation, client, endPoint, options, turns, cancellationToken));
        return await Task.WhenAll(clients);
    }

    private static async Task<ClientTranscript> RunClientAsync(
        Conversation conversation, int client, IPEndPoint endPoint, RunnerOptions options, TurnOrder turns, CancellationToken cancellationToken)
    {
        var transcript = new ClientTranscript();
        var steps = conversation.Steps.Select((step, index) => (ConversationStep: step, Index: index)).Where(s => s.ConversationStep.Client == client).ToList();
        var next = 0;
        WireClient? wire = null;
        try
        {
            var startup = new List<KeyValuePair<string, string>> { new("user", options.User), new("database", options.Database) };
            startup.AddRange(conversation.Startup[client]);
            // A session pooler may answer the start-up only once it has a server for the client.
            turns.Reading(client, true, false);
            var (connected, greeting) = await WireClient.ConnectAsync(endPoint, startup, options.Password, options.ReadTimeout, cancellationToken);
            turns.Reading(client, false, false);
            wire = connected;
            transcript.Greeting.AddRange(greeting.Messages);
            if (!Ended(transcript, greeting, options, "the greeting"))
            {
                return transcript;
            }
            var pendingReady = 0;
            var inBlock = false;
            var answered = false;
            // Whether the pooler lends this client a server now (see TurnOrder: a wait that cannot end goes on).
            bool HoldsServer(bool reading) => options.SessionPooling ? answered : inBlock || (!reading && pendingReady > 0);
            for (; next < steps.Count; next++)
            {
                var (step, index) = steps[next];
                await turns.WaitAsync(index, cancellationToken);
                if (step.AfterOthers && options.WaitForOthers)
                {
                    await turns.WaitForOthersAsync(index, options.ReadTimeout, cancellationToken);
                }
                var writeFailed = false;
                foreach (var write in step.Writes())
                {
                    try
                    {
                        await wire.WriteAsync(write, cancellationToken);
                    }
                    catch (SocketException)
                    {
                        // The peer closed: read what it said before.
                        writeFailed = true;
                        break;
                    }
                }
                turns.Sent(index);
                pendingReady += step.ExpectedReady;
                turns.Reading(client, false, HoldsServer(false));
                if (step.EndsSession || writeFailed)
                {
                    // Up to the close; or, where pgway keeps the session across its server's end (dest: pool),
                    // up to the ReadyForQuery after the error that says the server was lost: nothing follows it.
                    var serverLost = false;
                    var rest = await wire.ReadAsync(m =>
                    {
                        serverLost |= m.Type == 'E' && m.Field('C') is "08006" or "08007";
                        return serverLost && m.IsReady;
                    }, options.ReadTimeout, cancellationToken);
                    transcript.Messages.AddRange(rest.Messages);
                    Ended(transcript, rest, options, step.EndsSession ? "the end of the session" : "the end after a refused write");
                    next++;
                    return transcript;
                }
                var last = next == steps.Count - 1;
                if ((step.ReadAfter || last || step.ExpectedCompletions > 0) && pendingReady > 0)
                {
                    var seen = 0;
                    var need = pendingReady;
                    turns.Reading(client, true, HoldsServer(true));
                    var read = await wire.ReadAsync(m => m.IsReady && ++seen == need, options.ReadTimeout, cancellationToken);
                    transcript.Messages.AddRange(read.Messages);
                    pendingReady = 0;
                    answered |= read.Messages.Count > 0;
                    inBlock = read.Messages.LastOrDefault(m => m.IsReady) is { Body: [var status, ..] } ? status is (byte)'T' or (byte)'E' : inBlock;
                    turns.Reading(client, false, HoldsServer(false));
                    if (!Ended(transcript, read, options, $"{need} ReadyForQuery"))
                    {
                        next++;
                        return transcript;
                    }
                }
                if (pendingReady == 0)
                {
                    turns.Answered(client, index);
                }
                if (step.ExpectedCompletions > 0)
                {
                    var done = 0;
                    var need = step.ExpectedCompletions;
                    turns.Reading(client, true, HoldsServer(true));
                    var read = await wire.ReadAsync(m => m.Type == 'E' || (m.IsCompletion && ++done == need), options.ReadTimeout, cancellationToken);
                    transcript.Messages.AddRange(read.Messages);
                    answered |= read.Messages.Count > 0;
                    // Answers before a Sync: the pooler keeps the server until it.
                    turns.Reading(client, false, true);
                    if (!Ended(transcript, read, options, $"the answers to a Flush ({need})"))
                    {
                        next++;
                        return transcript;
                    }
                }
            }
            await wire.WriteAsync(Frontend.Terminate().Encode(), cancellationToken);
            return transcript;
        }
        catch (SocketException e)
        {
            transcript.End = $"connection failed: {e.SocketErrorCode}";
            return transcript;
        }
        finally
        {
            // Steps never sent still count as sent and answered, so no other client waits for them.
            for (; next < steps.Count; next++)
            {
                turns.Sent(steps[next].Index);
            }
            turns.Answered(client, conversation.Steps.Count - 1);
            turns.Reading(client, false, false);
            if (wire is not null)
            {
                await wire.DisposeAsync();
            }
        }
    }

    /// <summary>False (and the end recorded) when the read ended other than as asked.</summary>
    private static bool Ended(ClientTranscript transcript, ReadResult read, RunnerOptions options, string waitingFor)
    {
        switch (read.Outcome)
        {
            case ReadOutcome.Complete:
                if (read.Messages.Count > 0 && read.Messages[^1].IsFatal)
                {
                    transcript.End = "FATAL in the greeting";
                    return false;
                }
                return true;
            case ReadOutcome.Closed:
                transcript.End = "the server closed the connection";
                return false;
            default:
                transcript.TimedOut = true;
                transcript.End = $"client got no answer within {options.ReadTimeout.TotalSeconds:0.#} s (waiting for {waitingFor})";
                return false;
        }
    }
}
