using System.Diagnostics;
using System.Runtime.InteropServices;

namespace ModelOpt.Validation.Comparison;

/// <summary>
/// The clock every speed decision is taken on (keep int8, take a layout, which segment of a network
/// saves time, static or dynamic int8): the CPU time of the thread that runs the model, with ONNX
/// Runtime at one intra-op thread so that the whole run is that thread's work. Wall time counts what
/// other processes take from a run: with two busy processes beside it on a 2-core machine, PP-OCR
/// det's int8 speed-up read 1.52× (one thread) and 1.86× (default threads) in wall time against
/// 1.66× idle, and 1.68× against 1.67× on this clock, so a decision on wall time follows the
/// machine's load and the same command plans differently idle and busy. The thread's own CPU time is
/// the model's work.
/// What the user is told the model runs in (a report's latency, a speed budget) is still wall time
/// under the user's own session options: this clock only decides.
/// Where it cannot be read (an OS without a per-thread CPU clock, or an execution provider whose work
/// is not the calling thread's, a GPU's), decisions fall back to wall time under the user's session.
/// </summary>
public sealed record DecisionClock
{
    /// <summary>The session options the decision's runs are made under.</summary>
    public required OrtSessionSettings Session { get; init; }

    /// <summary>True: the calling thread's CPU time; false: wall time.</summary>
    public bool ThreadCpu { get; init; }

    /// <summary>The clock for decisions about models the user runs under <paramref name="user"/>.</summary>
    public static DecisionClock For(OrtSessionSettings? user)
    {
        user ??= OrtSessionSettings.Default;
        bool cpu = user.ProviderName == "CPUExecutionProvider" && ThreadCpuTime.Available;
        return cpu ? new DecisionClock { Session = user with { IntraOpThreads = 1 }, ThreadCpu = true } : new DecisionClock { Session = user };
    }

    /// <summary>Wall time under <paramref name="session"/>: what a user-facing latency is measured on.</summary>
    public static DecisionClock Wall(OrtSessionSettings? session) => new() { Session = session ?? OrtSessionSettings.Default };

    /// <summary>Seconds <paramref name="run"/> took on this clock.</summary>
    public double Time(Action run)
    {
        if (ThreadCpu)
        {
            double start = ThreadCpuTime.Seconds();
            run();
            return ThreadCpuTime.Seconds() - start;
        }
        long t0 = Stopwatch.GetTimestamp();
        run();
        return Stopwatch.GetElapsedTime(t0).TotalSeconds;
    }

    /// <summary>How a result states the clock, e.g. <c>thread CPU time (the machine's load does not change it)</c>.</summary>
    public string Describe() => ThreadCpu ? "thread CPU time, so the machine's load does not change the decision" : "wall time";
}

/// <summary>The calling thread's CPU time, where the OS gives it at nanosecond resolution (Linux, macOS).</summary>
internal static class ThreadCpuTime
{
    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, out TimeSpec time);

    // CLOCK_THREAD_CPUTIME_ID: 3 on Linux, 16 on macOS.
    private static readonly int Clock = OperatingSystem.IsLinux() ? 3 : OperatingSystem.IsMacOS() ? 16 : -1;

    public static bool Available { get; } = Probe();

    private static bool Probe()
    {
        if (Clock < 0) return false;
        try
        {
            return ClockGetTime(Clock, out _) == 0;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    public static double Seconds()
    {
        ClockGetTime(Clock, out var time);
        return time.Seconds + time.Nanoseconds * 1e-9;
    }
}
