using CpuLinear.Numerics;

namespace CpuLinear.Parallelism;

/// <summary>
/// The one place the engine fans work out to threads. Work items write disjoint outputs and never combine
/// partial results, so what they compute cannot depend on which thread ran them or in which order.
/// </summary>
/// <remarks>
/// Float modes are per thread. Each work item runs under the caller's flush mode (a pool thread does not
/// inherit it) and gives the thread its own register value back before the thread returns to the pool, so a
/// flushed thread is never handed back and an FTZ+DAZ caller gets FTZ+DAZ arithmetic on every core.
/// The caller itself switches to IEEE while it hands work out: on Linux a thread inherits its creator's
/// register, and the thread pool creates new workers on the thread that queues work, so queuing from a
/// flushed thread would give birth to pool threads that stay flushed for life.
/// </remarks>
internal static class EngineParallel
{
    /// <summary>Runs items 0..count-1 on up to <paramref name="maxThreads"/> threads (the caller's included).</summary>
    public static void For<TWork>(int count, int maxThreads, TWork work)
        where TWork : struct, IWorkItems
    {
        if (count <= 0)
        {
            return;
        }

        if (maxThreads <= 1 || count == 1)
        {
            for (int i = 0; i < count; i++)
            {
                work.Run(i);
            }

            return;
        }

        FloatMode mode = FloatEnvironment.CurrentMode;
        using var queuing = FloatEnvironment.Enter(FloatMode.Ieee);
        var options = new ParallelOptions { MaxDegreeOfParallelism = Math.Min(maxThreads, count) };
        Parallel.For(0, count, options, i =>
        {
            using var scope = FloatEnvironment.Enter(mode);
            work.Run(i);
        });
    }
}
