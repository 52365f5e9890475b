namespace PeaKd.IO;

/// <summary>
/// A seam for the kill tests: every run file PeaKd writes (atomically, or a metrics line) passes through it, so a
/// test host can end the process at an exact write. No interceptor is installed in any shipped program: only the
/// PeaKd.KillHost test program sets <see cref="Current"/>, through InternalsVisibleTo.
/// </summary>
internal abstract class WriteInterceptor
{
    /// <summary>The installed interceptor; null everywhere but the kill-test host.</summary>
    public static WriteInterceptor? Current { get; set; }

    /// <summary>True when the write of <paramref name="fileName"/> is to stop half-way (after half its bytes are on disk).</summary>
    public abstract bool StopsMidway(string fileName);

    /// <summary>Half of <paramref name="fileName"/> is on disk (after <see cref="StopsMidway"/> said so).</summary>
    public abstract void Midway(string fileName);

    /// <summary><paramref name="fileName"/> is complete and in place.</summary>
    public abstract void Written(string fileName);
}
