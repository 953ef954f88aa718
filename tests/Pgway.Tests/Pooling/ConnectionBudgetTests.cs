using Pgway.Pooling;

namespace Pgway.Tests.Pooling;

/// <summary>max_db_connections and max_user_connections as a budget shared by pools.</summary>
public class ConnectionBudgetTests
{
    [Fact]
    public void Limited_TakesUpToTheLimitThenRefusesUntilReturned()
    {
        var budget = new ConnectionBudget("max_db_connections", 2);

        Assert.True(budget.TryTake());
        Assert.True(budget.TryTake());
        Assert.False(budget.TryTake());
        Assert.True(budget.Exhausted);
        budget.Return();
        Assert.False(budget.Exhausted);
        Assert.True(budget.TryTake());
        Assert.Equal("max_db_connections 2", budget.Description);
    }

    [Fact]
    public void Zero_NoLimit()
    {
        var budget = new ConnectionBudget("max_user_connections", 0);

        Assert.All(Enumerable.Range(0, 1000), _ => Assert.True(budget.TryTake()));
        Assert.False(budget.Exhausted);
        Assert.Equal(1000, budget.Used);
    }

    [Fact]
    public void DisconnectReasons_LabelledInSnakeCase()
    {
        Assert.Equal("client_close", DisconnectReasons.Label(DisconnectReason.ClientClose));
        Assert.Equal("query_wait_timeout", DisconnectReasons.Label(DisconnectReason.QueryWaitTimeout));
        Assert.Equal("transaction_in_statement_mode", DisconnectReasons.Label(DisconnectReason.TransactionInStatementMode));
    }
}
