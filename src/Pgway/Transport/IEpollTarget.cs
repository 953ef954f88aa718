namespace Pgway.Transport;

/// <summary>Something registered with an <see cref="EpollLoop"/>: told what the kernel reported for its descriptor.</summary>
internal interface IEpollTarget
{
    /// <summary>Runs on the loop's thread; must not block.</summary>
    void OnEvents(uint events);
}
