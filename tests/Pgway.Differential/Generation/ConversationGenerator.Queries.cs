using Pgway.Differential.Wire;

namespace Pgway.Differential.Generation;

// The statements a client runs: reads, writes, errors, settings it can observe.
public sealed partial class ConversationGenerator
{
    /// <summary>A statement returning rows (for extended batches; parameters bound as text).</summary>
    private QueryShape Row(ClientModel model) => random.Next(14) switch
    {
        0 => new("SELECT id, a, b FROM t ORDER BY id", [], model.BlockMayHaveFailed, 3),
        1 => new("SELECT * FROM t WHERE id = $1", [Pick("1", "2", "3")], model.BlockMayHaveFailed, 1),
        // The table DDL changes: a named statement on it answers 0A000 after a change.
        2 => new("SELECT * FROM u ORDER BY 1", [], true, 2),
        3 => new("SELECT generate_series(1, 5) AS g", [], model.BlockMayHaveFailed, 5),
        4 => new("SELECT $1::int + 1 AS n, $2::text AS label", [Pick("41", "-1"), Pick("x", "y z")], model.BlockMayHaveFailed, 1),
        5 => new("SELECT current_setting('DateStyle') AS ds, current_setting('TimeZone') AS tz, current_setting('IntervalStyle') AS istyle", [], model.BlockMayHaveFailed, 1),
        // Literals read under the session's TimeZone and DateStyle when parsed, shown under them when run.
        6 => new("SELECT '2024-03-04 05:06:07'::timestamptz AS ts, '03/04/2024'::date AS d", [], model.BlockMayHaveFailed, 1),
        7 => new("SELECT 0.1::float8 + 0.2::float8 AS f, '1 day 02:03:04'::interval AS i", [], model.BlockMayHaveFailed, 1),
        8 => new("SELECT current_setting('application_name') AS app, current_setting('default_transaction_read_only') AS ro", [], model.BlockMayHaveFailed, 1),
        9 => new("SELECT current_schemas(false) AS schemas, current_setting('extra_float_digits') AS efd", [], model.BlockMayHaveFailed, 1),
        10 => new("SELECT 1/$1::int AS boom", ["0"], true, 1),
        11 => new("SELECT * FROM no_such_table", [], true, 0),
        12 => new("INSERT INTO t VALUES ($1, 0, $2) RETURNING id, b", [(model.NextRow++).ToString(System.Globalization.CultureInfo.InvariantCulture), "p"], true, 1),
        _ => new("UPDATE t SET a = a + 1 WHERE id = $1", ["1"], model.WriteMayFail, 0),
    };

    /// <summary>A simple Query of fixed text: PostgreSQL drops the unnamed statement whenever it runs one.</summary>
    private static FrontendMessage Query(ClientModel model, string sql)
    {
        model.Unnamed = null;
        return Frontend.Query(sql);
    }

    private FrontendMessage SimpleQuery(ClientModel model)
    {
        model.Unnamed = null;
        var (sql, mayFail) = random.Next(13) switch
        {
            0 => ("SELECT id, a, b FROM t ORDER BY id", false),
            1 => ("SELECT * FROM u ORDER BY 1", false),
            2 => ("SELECT 1 AS one, 'two' AS two; SELECT count(*) AS n FROM c", false),
            3 => ($"INSERT INTO t VALUES ({model.NextRow++}, 5, 'q')", model.WriteMayFail),
            4 => ("UPDATE t SET b = b || '!' WHERE id = 2 RETURNING id, b", model.WriteMayFail),
            5 => ("SELECT 1/0 AS boom", true),
            6 => ("SELECT * FROM no_such_table", true),
            7 => ("SELEC 1", true),
            8 => ("", false),
            9 => ("SELECT '2024-03-04 05:06:07'::timestamptz AS ts, '03/04/2024'::date AS d, '1 day 02:03:04'::interval AS i", false),
            10 => ("SHOW TimeZone", false),
            11 => ("SELECT current_setting('DateStyle') AS ds, current_setting('application_name') AS app, current_setting('default_transaction_read_only') AS ro", false),
            _ => ($"SELECT 1 AS a; INSERT INTO t VALUES ({model.NextRow++}, 6, 'm'); SELECT 1/0", true),
        };
        if (mayFail || model.BlockMayHaveFailed)
        {
            model.MayHaveFailed();
        }
        return Frontend.Query(sql);
    }

    private FrontendMessage TransactionControl(ClientModel model)
    {
        model.Unnamed = null;
        if (!model.InBlock)
        {
            if (random.Next(6) == 0)
            {
                // Outside a block: a WARNING, and nothing else.
                return Frontend.Query(Pick("COMMIT", "ROLLBACK"));
            }
            model.InBlock = true;
            model.BlockMayHaveFailed = false;
            model.HasSoundSavepoint = false;
            return Frontend.Query(Pick("BEGIN", "BEGIN ISOLATION LEVEL REPEATABLE READ", "START TRANSACTION"));
        }
        switch (random.Next(7))
        {
            case 0:
            case 1:
                model.InBlock = false;
                model.BlockMayHaveFailed = false;
                return Frontend.Query(Pick("COMMIT", "END"));
            case 2:
                model.InBlock = false;
                model.BlockMayHaveFailed = false;
                return Frontend.Query("ROLLBACK");
            case 3:
                model.HasSoundSavepoint |= !model.BlockMayHaveFailed;
                return Frontend.Query("SAVEPOINT sp");
            case 4:
                if (model.HasSoundSavepoint)
                {
                    model.BlockMayHaveFailed = false;
                }
                else
                {
                    model.MayHaveFailed();
                }
                return Frontend.Query("ROLLBACK TO SAVEPOINT sp");
            case 5:
                model.HasSoundSavepoint = false;
                model.MayHaveFailed();
                return Frontend.Query("RELEASE SAVEPOINT sp");
            default:
                model.MayHaveFailed();
                return Frontend.Query("SELECT 1/0 AS boom");
        }
    }

    private FrontendMessage Ddl(ClientModel model)
    {
        model.Unnamed = null;
        if (model.WriteMayFail)
        {
            model.MayHaveFailed();
        }
        var n = model.NextColumn++;
        switch (random.Next(3))
        {
            case 0:
                model.UColumns.Add($"x{n}");
                return Frontend.Query($"ALTER TABLE u ADD COLUMN x{n} int DEFAULT {n}");
            case 1:
                var at = random.Next(model.UColumns.Count);
                var old = model.UColumns[at];
                model.UColumns[at] = $"r{n}";
                return Frontend.Query($"ALTER TABLE u RENAME COLUMN {old} TO r{n}");
            default:
                // Two columns of one type swap names: same shape, the values change places.
                var (first, second) = (model.UColumns[0], model.UColumns[1]);
                (model.UColumns[0], model.UColumns[1]) = (second, first);
                return Frontend.Query($"ALTER TABLE u RENAME COLUMN {first} TO tmp{n}; ALTER TABLE u RENAME COLUMN {second} TO {first}; ALTER TABLE u RENAME COLUMN tmp{n} TO {second}");
        }
    }

    private FrontendMessage FunctionCall(ClientModel model)
    {
        model.MayHaveFailed();
        return random.Next(4) switch
        {
            0 => Frontend.FunctionCall(177, "int4pl", ["2", "3"]),
            1 => Frontend.FunctionCall(154, "int4div", ["1", "0"]),
            2 => Frontend.FunctionCall(2626, "pg_sleep", ["0"]),
            _ => Frontend.FunctionCall(141, "int4mul", ["6", null]),
        };
    }
}
