namespace Pgway.Pooling.PreparedStatements;

/// <summary>Requests by the way their completion is recognised in the server's answers.</summary>
internal enum RequestKind : byte
{
    /// <summary>Completed by ParseComplete.</summary>
    Parse,

    /// <summary>Completed by BindComplete.</summary>
    Bind,

    /// <summary>Completed by CloseComplete.</summary>
    Close,

    /// <summary>Completed by RowDescription or NoData (after a ParameterDescription for a statement).</summary>
    Describe,

    /// <summary>Completed by CommandComplete, EmptyQueryResponse or PortalSuspended.</summary>
    Execute,

    /// <summary>Sync: completed by ReadyForQuery; an error before it skips everything up to it.</summary>
    Sync,

    /// <summary>A simple Query or a FunctionCall: everything up to its ReadyForQuery, errors included.</summary>
    UntilReady,
}
