using System.Globalization;
using Pgway.Differential.Model;
using Pgway.Differential.Wire;

namespace Pgway.Differential.Generation;

// Extended protocol: batches of Parse/Bind/Describe/Execute/Close up to a Sync, named and unnamed.
public sealed partial class ConversationGenerator
{
    private IEnumerable<ConversationStep> ExtendedBatch(ClientModel model)
    {
        var messages = new List<FrontendMessage>();
        var mayFail = model.BlockMayHaveFailed;
        var units = random.Next(1, 5);
        for (var i = 0; i < units; i++)
        {
            mayFail |= Unit(model, messages, mayFail);
            if (random.Next(6) == 0)
            {
                messages.Add(Frontend.Flush());
            }
        }
        if (mayFail)
        {
            model.MayHaveFailed();
        }
        messages.Add(Frontend.Sync());
        // Sometimes two batches in one step (a pipeline written before any answer is read).
        if (random.Next(4) == 0)
        {
            var second = new List<FrontendMessage>();
            var secondFails = Unit(model, second, model.BlockMayHaveFailed);
            if (secondFails)
            {
                model.MayHaveFailed();
            }
            messages.AddRange(second);
            messages.Add(Frontend.Sync());
        }
        return [Single(model, [.. messages])];
    }

    /// <summary>Adds one unit of work to a batch; true when it may raise an error.</summary>
    private bool Unit(ClientModel model, List<FrontendMessage> messages, bool failedBefore)
    {
        var certain = !failedBefore && !model.BlockMayHaveFailed;
        var named = model.Statements.Keys.ToList();
        switch (random.Next(10))
        {
            case 0:
            case 1:
            {
                var shape = Row(model);
                messages.AddRange(Unnamed(shape));
                model.Unnamed = certain && !shape.Sql.Contains("no_such", StringComparison.Ordinal) ? shape : null;
                return shape.MayFail;
            }
            case 2:
            case 3:
            {
                var shape = Row(model);
                var name = $"s{model.NextStatement++}";
                messages.Add(Frontend.Parse(name, shape.Sql));
                if (random.Next(2) == 0)
                {
                    messages.Add(Frontend.Describe('S', name));
                }
                var parses = !shape.Sql.Contains("no_such", StringComparison.Ordinal);
                if (parses)
                {
                    model.Statements[name] = new PreparedStatementModel(shape, certain);
                }
                return !parses;
            }
            case 4:
            case 5:
            case 6:
                if (named.Count == 0)
                {
                    goto case 0;
                }
                var use = Pick(named);
                var statement = model.Statements[use];
                messages.AddRange(Use(use, statement.Query, random.Next(3) == 0 ? $"p{model.NextStatement++}" : ""));
                return statement.Query.MayFail || !statement.Certain || model.BlockMayHaveFailed;
            case 7:
                if (named.Count == 0 || profile == ConversationProfile.Session && random.Next(2) == 0)
                {
                    // Session mode may Parse a name again: PostgreSQL refuses it with 42P05.
                    if (named.Count > 0)
                    {
                        var again = Pick(named);
                        messages.Add(Frontend.Parse(again, model.Statements[again].Query.Sql));
                        return true;
                    }
                    goto case 0;
                }
                var close = Pick(named);
                messages.Add(Frontend.Close('S', close));
                if (certain)
                {
                    model.Statements.Remove(close);
                }
                else
                {
                    model.Statements[close] = model.Statements[close] with { Certain = false };
                }
                return false;
            case 8:
                if (model.Unnamed is null)
                {
                    goto case 0;
                }
                // The unnamed statement of an earlier batch, bound again.
                messages.AddRange(Use("", model.Unnamed, ""));
                return model.Unnamed.MayFail;
            default:
                var error = random.Next(2) == 0
                    ? new QueryShape("SELECT 1/$1::int AS boom", ["0"], true, 1)
                    : new QueryShape("SELECT * FROM no_such_table", [], true, 0);
                messages.AddRange(Unnamed(error));
                model.Unnamed = null;
                return true;
        }
    }

    /// <summary>Parse, Bind and Execute (maybe Describe, maybe a row limit) of the unnamed statement and portal.</summary>
    private List<FrontendMessage> Unnamed(QueryShape shape)
    {
        var messages = new List<FrontendMessage> { Frontend.Parse("", shape.Sql) };
        messages.AddRange(Use("", shape, ""));
        return messages;
    }

    /// <summary>Bind <paramref name="statement"/> to <paramref name="portal"/>, Describe it sometimes, Execute it (with row limits: PortalSuspended), Close a named portal.</summary>
    private List<FrontendMessage> Use(string statement, QueryShape shape, string portal)
    {
        var messages = new List<FrontendMessage> { Frontend.Bind(portal, statement, shape.Parameters, (short)(random.Next(5) == 0 ? 1 : 0)) };
        if (random.Next(2) == 0)
        {
            messages.Add(Frontend.Describe('P', portal));
        }
        if (shape.Rows > 1 && random.Next(2) == 0)
        {
            var limit = random.Next(1, shape.Rows);
            messages.Add(Frontend.Execute(portal, limit));
            messages.Add(Frontend.Execute(portal, random.Next(2) == 0 ? 0 : limit));
        }
        else
        {
            messages.Add(Frontend.Execute(portal));
        }
        if (portal.Length > 0 && random.Next(2) == 0)
        {
            messages.Add(Frontend.Close('P', portal));
        }
        return messages;
    }

    /// <summary>
    /// A batch read before its Sync: Parse (and Describe) then Flush, answers read; then the rest and
    /// the Sync in the client's next step. Only statements that cannot fail, so every answer comes.
    /// </summary>
    private IEnumerable<ConversationStep> FlushedBatch(ClientModel model)
    {
        if (model.BlockMayHaveFailed)
        {
            return [Single(model, SimpleQuery(model))];
        }
        var shape = random.Next(2) == 0
            ? new QueryShape("SELECT generate_series(1, 5) AS g", [], false, 5)
            : new QueryShape("SELECT $1::int * 2 AS twice", [random.Next(100).ToString(CultureInfo.InvariantCulture)], false, 1);
        var name = $"s{model.NextStatement++}";
        model.Statements[name] = new PreparedStatementModel(shape, true);
        var first = new ConversationStep(model.Index, [Frontend.Parse(name, shape.Sql), Frontend.Describe('S', name), Frontend.Flush()], SplitSeed());
        var rest = new ConversationStep(model.Index, [.. Use(name, shape, ""), Frontend.Sync()], SplitSeed());
        return [first, rest];
    }
}
