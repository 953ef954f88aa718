using System.Runtime.CompilerServices;

namespace Pgway.Transport;

/// <summary>Awaiting it continues on the loop's thread: at once when already there, else posted to it.</summary>
internal readonly struct LoopSwitch(EpollLoop loop) : ICriticalNotifyCompletion
{
    public LoopSwitch GetAwaiter() => this;

    public bool IsCompleted => loop.IsCurrent;

    public void GetResult()
    {
    }

    public void OnCompleted(Action continuation) => loop.Post(continuation);

    public void UnsafeOnCompleted(Action continuation) => loop.Post(continuation);
}
