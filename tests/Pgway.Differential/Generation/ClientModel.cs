namespace Pgway.Differential.Generation;

/// <summary>
/// What the generator knows of one client's session, so that it writes legal conversations and
/// knows where PostgreSQL answers with ReadyForQuery. "Maybe" states are where an earlier statement
/// may have failed: the generator then avoids what would need certainty (a Sync inside COPY IN).
/// </summary>
internal sealed class ClientModel(int index)
{
    public int Index { get; } = index;

    /// <summary>Inside BEGIN … COMMIT.</summary>
    public bool InBlock { get; set; }

    /// <summary>The block may have failed (an error-prone statement ran in it).</summary>
    public bool BlockMayHaveFailed { get; set; }

    /// <summary>A savepoint made while the block was sound exists.</summary>
    public bool HasSoundSavepoint { get; set; }

    /// <summary>default_transaction_read_only: false (certainly off), or null when it may be on.</summary>
    public bool? ReadOnly { get; set; } = false;

    /// <summary>Named statements: name → (SQL, parameter values to bind, whether it certainly exists).</summary>
    public Dictionary<string, PreparedStatementModel> Statements { get; } = [];

    /// <summary>The unnamed statement's SQL when it certainly exists (a Parse succeeded, no Query since).</summary>
    public QueryShape? Unnamed { get; set; }

    public int NextStatement { get; set; } = 1;

    public int NextRow { get; set; } = 100;

    public int NextColumn { get; set; } = 1;

    /// <summary>The columns of table u now, in order.</summary>
    public List<string> UColumns { get; } = ["k", "m", "n"];

    /// <summary>The last step left the client idle with nothing outstanding (a lone Flush, a FunctionCall): wait for the others next.</summary>
    public bool IdleHint { get; set; }

    /// <summary>Session-only resources (session profile).</summary>
    public bool HasTempTable { get; set; }

    public bool HasHoldCursor { get; set; }

    public bool HasSqlPrepared { get; set; }

    public bool Listening { get; set; }

    /// <summary>True when a write may fail (read-only may be on, or the block may have failed).</summary>
    public bool WriteMayFail => ReadOnly != false || BlockMayHaveFailed;

    /// <summary>After a statement that may fail: inside a block, the block may now be failed.</summary>
    public void MayHaveFailed()
    {
        if (InBlock)
        {
            BlockMayHaveFailed = true;
        }
    }

    /// <summary>A COPY … FROM STDIN certainly enters COPY IN (so a Sync inside it is ignored).</summary>
    public bool CopyInCertain => !BlockMayHaveFailed && ReadOnly == false;
}
