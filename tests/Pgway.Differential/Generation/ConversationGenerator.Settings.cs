using Pgway.Differential.Model;
using Pgway.Differential.Wire;

namespace Pgway.Differential.Generation;

// SET, RESET, DISCARD, and (session profile) what transaction pooling does not carry.
public sealed partial class ConversationGenerator
{
    private FrontendMessage Setting(ClientModel model)
    {
        model.Unnamed = null;
        if (model.BlockMayHaveFailed)
        {
            model.MayHaveFailed();
        }
        var session = profile == ConversationProfile.Session;
        switch (random.Next(session ? 14 : 11))
        {
            case 0:
                return Frontend.Query($"SET DateStyle = '{Pick("ISO, DMY", "German", "SQL, MDY", "Postgres")}'");
            case 1:
                return Frontend.Query($"SET TimeZone = '{Pick("UTC", "Pacific/Auckland", "Europe/Berlin")}'");
            case 2:
                return Frontend.Query($"SET application_name = '{Pick("renamed", "other app")}'");
            case 3:
                return Frontend.Query($"SET IntervalStyle = {Pick("postgres", "iso_8601")}");
            case 4:
                var on = random.Next(2) == 0;
                model.ReadOnly = on ? null : model.InBlock ? model.ReadOnly : false;
                return Frontend.Query($"SET default_transaction_read_only = {(on ? "on" : "off")}");
            case 5:
                var what = Pick("DateStyle", "TimeZone", "application_name", "IntervalStyle", "default_transaction_read_only");
                if (random.Next(4) == 0)
                {
                    // Undone with the implicit transaction it fails (inside a block, the block fails, and
                    // its ROLLBACK undoes it): nothing changes but the error.
                    model.MayHaveFailed();
                    return Frontend.Query($"RESET {what}; SELECT 1/0");
                }
                if (what == "default_transaction_read_only")
                {
                    model.ReadOnly = model.InBlock ? model.ReadOnly : false;
                }
                return Frontend.Query($"RESET {what}");
            case 6:
                model.ReadOnly = model.InBlock ? model.ReadOnly : false;
                return Frontend.Query("RESET ALL");
            case 7:
                return Discard(model);
            case 8:
                return Frontend.Query(Pick("SHOW DateStyle", "SHOW TimeZone", "SHOW application_name", "SHOW default_transaction_read_only"));
            case 9:
                if (model.InBlock)
                {
                    return Frontend.Query($"SET LOCAL TimeZone = '{Pick("UTC", "Asia/Tokyo")}'");
                }
                return Frontend.Query("SELECT set_config('DateStyle', 'SQL, DMY', false) AS ds");
            case 10:
                return Frontend.Query("SELECT '2024-03-04 05:06:07'::timestamptz AS ts, '03/04/2024'::date AS d, 0.1::float8 + 0.2 AS f");
            case 11:
                return Frontend.Query($"SET extra_float_digits = {Pick("0", "3", "-1")}");
            case 12:
                return Frontend.Query($"SET search_path = {Conversation.Schema(model.Index)}, public");
            default:
                return Frontend.Query(Pick("RESET search_path", "RESET extra_float_digits"));
        }
    }

    private static FrontendMessage Discard(ClientModel model)
    {
        if (model.InBlock)
        {
            // Refused inside a block (25001), which fails it.
            model.MayHaveFailed();
        }
        else
        {
            model.ReadOnly = false;
            model.Statements.Clear();
            model.HasTempTable = false;
            model.HasHoldCursor = false;
            model.HasSqlPrepared = false;
            model.Listening = false;
        }
        return Frontend.Query("DISCARD ALL");
    }

    private FrontendMessage SessionOnly(ClientModel model)
    {
        model.Unnamed = null;
        model.MayHaveFailed();
        switch (random.Next(5))
        {
            case 0:
                if (!model.HasTempTable)
                {
                    model.HasTempTable = true;
                    return Frontend.Query("CREATE TEMP TABLE tt (x int)");
                }
                return Frontend.Query(Pick("INSERT INTO tt VALUES (1), (2)", "SELECT x FROM tt ORDER BY x"));
            case 1:
                // A channel of the client's own: a notification from another client arrives when that
                // client's NOTIFY commits, which a pool too small for both delays until the listener
                // has left (seed 2006605): a scheduling difference, not a wrong answer.
                var channel = $"ch{model.Index}";
                if (!model.Listening)
                {
                    model.Listening = true;
                    return Frontend.Query($"LISTEN {channel}");
                }
                return Frontend.Query(Pick($"NOTIFY {channel}, 'hello'", $"SELECT pg_notify('{channel}', 'via function')", "UNLISTEN *"));
            case 2:
                var key = 1000 + model.Index;
                return Frontend.Query(Pick($"SELECT pg_advisory_lock({key})", $"SELECT pg_advisory_unlock({key})", "SELECT pg_advisory_unlock_all()"));
            case 3:
                if (!model.HasSqlPrepared)
                {
                    model.HasSqlPrepared = true;
                    return Frontend.Query("PREPARE q AS SELECT $1::int * 2 AS doubled");
                }
                return Frontend.Query(Pick("EXECUTE q(21)", "DEALLOCATE q", "DEALLOCATE ALL"));
            default:
                if (!model.HasHoldCursor && !model.InBlock)
                {
                    model.HasHoldCursor = true;
                    return Frontend.Query("DECLARE cur CURSOR WITH HOLD FOR SELECT generate_series(1, 5) AS g");
                }
                return Frontend.Query(Pick("FETCH 2 FROM cur", "CLOSE cur"));
        }
    }
}
