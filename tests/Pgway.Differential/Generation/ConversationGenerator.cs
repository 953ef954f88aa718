using Pgway.Differential.Model;
using Pgway.Differential.Wire;

namespace Pgway.Differential.Generation;

/// <summary>
/// Generates legal client conversations from a seed (its own <see cref="Random"/>, so a seed always
/// gives the same conversation): per client a start-up packet and a list of steps chosen from the
/// protocol's features, tracked by a <see cref="ClientModel"/>; then the clients' steps interleaved.
/// </summary>
public sealed partial class ConversationGenerator
{
    private readonly Random random;
    private readonly ConversationProfile profile;

    private ConversationGenerator(int seed, ConversationProfile profile)
    {
        random = new Random(seed);
        this.profile = profile;
    }

    /// <summary>The conversation of <paramref name="seed"/>: one in four uses session-only features.</summary>
    public static Conversation Generate(int seed) =>
        Generate(seed, new Random(seed ^ 0x5f3759df).Next(4) == 0 ? ConversationProfile.Session : ConversationProfile.Transaction);

    /// <summary>The conversation of <paramref name="seed"/> restricted to <paramref name="profile"/>.</summary>
    public static Conversation Generate(int seed, ConversationProfile profile) => new ConversationGenerator(seed, profile).Build(seed);

    private Conversation Build(int seed)
    {
        var clients = random.Next(1, 5);
        var poolSize = random.Next(1, 3);
        var startup = new List<IReadOnlyList<KeyValuePair<string, string>>>();
        var queues = new List<Queue<ConversationStep>>();
        for (var client = 0; client < clients; client++)
        {
            var model = new ClientModel(client);
            startup.Add(Startup(client));
            var steps = new List<ConversationStep>();
            var count = random.Next(2, 11);
            for (var i = 0; i < count; i++)
            {
                var idle = !model.InBlock && profile == ConversationProfile.Transaction;
                var hint = model.IdleHint;
                model.IdleHint = false;
                var next = NextSteps(model).ToList();
                if (idle && (hint || random.Next(6) == 0))
                {
                    next[0] = next[0] with { AfterOthers = true };
                }
                steps.AddRange(next);
            }
            steps.AddRange(Ending(model));
            queues.Add(new Queue<ConversationStep>(steps));
        }
        // Interleave, keeping each client's order.
        var order = new List<ConversationStep>();
        while (queues.Any(q => q.Count > 0))
        {
            var open = queues.Where(q => q.Count > 0).ToList();
            order.Add(open[random.Next(open.Count)].Dequeue());
        }
        return new Conversation(seed, profile, poolSize, startup, order);
    }

    private List<KeyValuePair<string, string>> Startup(int client)
    {
        var parameters = new List<KeyValuePair<string, string>>();
        var options = new List<string>();
        if (random.Next(2) == 0)
        {
            options.Add($"-c search_path={Conversation.Schema(client)}");
        }
        else
        {
            parameters.Add(new("search_path", Conversation.Schema(client)));
        }
        if (random.Next(2) == 0)
        {
            parameters.Add(new("application_name", Pick("diff", "app-a", "app b")));
        }
        if (random.Next(2) == 0)
        {
            parameters.Add(new("DateStyle", Pick("ISO, MDY", "German", "Postgres, DMY", "SQL, MDY", "ISO, DMY")));
        }
        if (random.Next(2) == 0)
        {
            parameters.Add(new("TimeZone", Pick("UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata")));
        }
        if (random.Next(4) == 0)
        {
            options.Add($"-c IntervalStyle={Pick("postgres_verbose", "iso_8601", "sql_standard")}");
        }
        if (random.Next(4) == 0)
        {
            options.Add($"-c extra_float_digits={Pick("0", "1", "-2")}");
        }
        if (options.Count > 0)
        {
            parameters.Add(new("options", string.Join(' ', options)));
        }
        return parameters;
    }

    private IEnumerable<ConversationStep> NextSteps(ClientModel model)
    {
        var roll = random.Next(100);
        var session = profile == ConversationProfile.Session;
        return roll switch
        {
            < 14 => [Single(model, SimpleQuery(model))],
            < 34 => ExtendedBatch(model),
            < 37 => [Idle(model, Single(model, FunctionCall(model)))],
            // A FunctionCall and a Query in one write: each is answered with its own ReadyForQuery.
            < 40 => [Single(model, FunctionCall(model), Query(model, "SELECT pg_sleep(0.05), 'A' AS a"))],
            < 48 => [CopyIn(model)],
            < 52 => [CopyOut(model)],
            < 62 => [Single(model, TransactionControl(model))],
            < 67 => [Single(model, Ddl(model))],
            < 77 => [Single(model, Setting(model))],
            < 80 => [Single(model, Query(model, "DO $$BEGIN RAISE NOTICE 'notice %', 42; RAISE NOTICE 'second'; END$$"))],
            < 83 => [Idle(model, Lone(model, Frontend.Flush()))],
            < 86 => FlushedBatch(model),
            < 95 when session => [Single(model, SessionOnly(model))],
            _ => [Single(model, SimpleQuery(model))],
        };
    }

    /// <summary>A step of one or more messages; sometimes pipelined (the client reads later).</summary>
    private ConversationStep Single(ClientModel model, params FrontendMessage[] messages) =>
        new(model.Index, messages, SplitSeed(), ReadAfter: random.Next(5) != 0);

    /// <summary>After <paramref name="step"/> the client has nothing outstanding: its next step waits for the others.</summary>
    private static ConversationStep Idle(ClientModel model, ConversationStep step)
    {
        model.IdleHint = true;
        return step with { ReadAfter = true };
    }

    private ConversationStep Lone(ClientModel model, FrontendMessage message) => new(model.Index, [message], SplitSeed());

    private int SplitSeed() => random.Next(3) == 0 ? 0 : random.Next(1, int.MaxValue);

    private IEnumerable<ConversationStep> Ending(ClientModel model)
    {
        var roll = random.Next(10);
        if (roll < 5)
        {
            return [];
        }
        if (roll < 9 || model.BlockMayHaveFailed)
        {
            // Terminate with work pipelined before it, in the same write (or cut anywhere).
            var before = random.Next(3) switch
            {
                0 => [Frontend.Query($"INSERT INTO t VALUES ({model.NextRow++}, 1, 'bye') RETURNING id")],
                1 => [.. Unnamed(Row(model)), Frontend.Sync()],
                _ => new[] { Frontend.Query("SELECT 1 AS last") },
            };
            return [new ConversationStep(model.Index, [.. before, Frontend.Terminate()], random.Next(2) == 0 ? 0 : SplitSeed())];
        }
        // The server ends the session itself: FATAL 57P01 (in a failed block it would answer 25P02 instead).
        return [new ConversationStep(model.Index, [Frontend.Query("SELECT pg_terminate_backend(pg_backend_pid())")], 0, ServerCloses: true)];
    }

    private string Pick(params string[] choices) => choices[random.Next(choices.Length)];

    private T Pick<T>(List<T> choices) => choices[random.Next(choices.Count)];
}
