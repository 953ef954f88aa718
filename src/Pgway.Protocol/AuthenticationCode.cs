namespace Pgway.Protocol;

/// <summary>The Int32 that follows an Authentication ('R') message's length.</summary>
public enum AuthenticationCode
{
    Ok = 0,
    CleartextPassword = 3,
    Md5Password = 5,
    Sasl = 10,
    SaslContinue = 11,
    SaslFinal = 12,
}
