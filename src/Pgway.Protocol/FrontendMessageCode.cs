namespace Pgway.Protocol;

/// <summary>Type bytes of messages a client sends (after its start-up packet).</summary>
public enum FrontendMessageCode : byte
{
    Bind = (byte)'B',
    Close = (byte)'C',
    Describe = (byte)'D',
    Execute = (byte)'E',
    FunctionCall = (byte)'F',
    Flush = (byte)'H',
    Parse = (byte)'P',
    Query = (byte)'Q',
    Sync = (byte)'S',
    Terminate = (byte)'X',
    CopyDone = (byte)'c',
    CopyData = (byte)'d',
    CopyFail = (byte)'f',

    /// <summary>PasswordMessage, SASLInitialResponse and SASLResponse share this byte; the exchange says which.</summary>
    Password = (byte)'p',
}
