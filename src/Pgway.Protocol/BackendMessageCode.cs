namespace Pgway.Protocol;

/// <summary>Type bytes of messages a server sends.</summary>
public enum BackendMessageCode : byte
{
    ParseComplete = (byte)'1',
    BindComplete = (byte)'2',
    CloseComplete = (byte)'3',
    NotificationResponse = (byte)'A',
    CommandComplete = (byte)'C',
    DataRow = (byte)'D',
    ErrorResponse = (byte)'E',
    CopyInResponse = (byte)'G',
    CopyOutResponse = (byte)'H',
    EmptyQueryResponse = (byte)'I',
    BackendKeyData = (byte)'K',
    NoticeResponse = (byte)'N',
    Authentication = (byte)'R',
    ParameterStatus = (byte)'S',
    RowDescription = (byte)'T',
    CopyBothResponse = (byte)'W',
    ReadyForQuery = (byte)'Z',
    CopyDone = (byte)'c',
    CopyData = (byte)'d',
    NoData = (byte)'n',
    PortalSuspended = (byte)'s',
    ParameterDescription = (byte)'t',
    NegotiateProtocolVersion = (byte)'v',
}
