namespace Pgway.Switchover;

/// <summary>A pooled service a switchover holds: new transactions wait while those under way end.</summary>
internal interface ISwitchoverPause
{
    /// <summary>The service's full name, for the steps and errors.</summary>
    string Name { get; }

    /// <summary>Takes a hold for <paramref name="holder"/>: clients starting a transaction wait for a server.</summary>
    void Hold(string holder);

    /// <summary>Releases the hold of <paramref name="holder"/>.</summary>
    void Release(string holder);

    /// <summary>Transactions (servers lent) still under way.</summary>
    int InFlight { get; }
}
