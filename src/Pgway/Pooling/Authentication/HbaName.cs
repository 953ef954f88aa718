namespace Pgway.Pooling.Authentication;

/// <summary>A database or user in an hba rule: a name, or a keyword (<c>all</c>, <c>sameuser</c>) when unquoted.</summary>
internal readonly record struct HbaName(string Value, bool IsKeyword)
{
    public override string ToString() => IsKeyword ? Value : $"\"{Value}\"";
}
