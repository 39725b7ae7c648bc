using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using CpuLinear.Numerics;

namespace CpuLinear.Tests.Numerics;

/// <summary>
/// Scopes leave the register exactly as they found it: on the calling thread, through exceptions, and on
/// thread-pool threads after parallel work that used them.
/// </summary>
public sealed class FloatEnvironmentScopeTests
{
    private static FloatControl Control
    {
        get
        {
            Assert.True(FloatEnvironment.IsHardwareControlAvailable, $"The native shim must be built and loaded here: {FloatEnvironment.Description}");
            return FloatEnvironment.Control;
        }
    }

    [Fact]
    public void EveryModeIsSetAndTheExactValueRestored()
    {
        FloatControl control = Control;
        ulong flushBits = control.BitsOf(FloatMode.FlushToZeroAndDenormalsAreZero);
        foreach (FloatMode mode in Enum.GetValues<FloatMode>().Where(FloatEnvironment.Supports))
        {
            ulong before = control.Read();
            ulong inside;
            using (FloatEnvironment.Enter(mode))
            {
                Assert.Equal(mode, FloatEnvironment.CurrentMode);
                inside = control.Read();
                _ = Tiny(1e-30f, 1e-10f); // raises underflow/denormal flags inside the scope
            }

            Assert.Equal(before, control.Read());
            Assert.Equal(control.BitsOf(mode), inside & flushBits);
            // Everything but the flush bits (and the sticky flags any instruction may set) is the caller's.
            ulong keep = ~(flushBits | control.StatusFlagMask);
            Assert.Equal(before & keep, inside & keep);
        }
    }

    [Fact]
    public void NestedScopesUnwindInOrder()
    {
        FloatControl control = Control;
        ulong before = control.Read();
        using (FloatEnvironment.Enter(FloatMode.FlushToZeroAndDenormalsAreZero))
        {
            using (FloatEnvironment.Enter(FloatMode.Ieee))
            {
                Assert.Equal(FloatMode.Ieee, FloatEnvironment.CurrentMode);
            }

            Assert.Equal(FloatMode.FlushToZeroAndDenormalsAreZero, FloatEnvironment.CurrentMode);
        }

        Assert.Equal(before, control.Read());
    }

    [Fact]
    public void ExceptionInsideScopeRestoresTheExactValue()
    {
        FloatControl control = Control;
        ulong before = control.Read();
        Assert.Throws<InvalidOperationException>(ThrowInsideScope);
        Assert.Equal(before, control.Read());
        Assert.Equal(FloatMode.Ieee, FloatEnvironment.CurrentMode);
    }

    [Fact]
    public void ThreadPoolThreadsAreHandedBackUnflushed()
    {
        FloatControl control = Control;
        ulong reference = control.Read() & ~control.StatusFlagMask;
        var scopedThreads = new ConcurrentDictionary<int, bool>();

        // Work items as the GEMM engine will write them: enter the caller's mode inside each item. Some throw.
        Parallel.For(0, 2000, i =>
        {
            scopedThreads[Environment.CurrentManagedThreadId] = true;
            if (i % 7 == 0)
            {
                try
                {
                    ThrowInsideScope();
                }
                catch (InvalidOperationException)
                {
                    // expected: the point is the register after the throw
                }
            }
            else
            {
                using FloatEnvironmentScope scope = FloatEnvironment.Enter(FloatMode.FlushToZeroAndDenormalsAreZero);
                _ = Tiny(1e-30f, 1e-10f);
            }
        });

        // Then look at the register on as many pool threads as turn up, with no scope anywhere.
        var seen = new ConcurrentDictionary<int, ulong>();
        Parallel.For(0, 4000, new ParallelOptions { MaxDegreeOfParallelism = 64 }, _ =>
        {
            seen[Environment.CurrentManagedThreadId] = control.Read();
            Thread.SpinWait(200);
        });
        for (int i = 0; i < 64; i++)
        {
            ThreadPool.QueueUserWorkItem(_ => seen[Environment.CurrentManagedThreadId] = control.Read());
        }

        Thread.Sleep(50);
        Assert.Contains(seen.Keys, scopedThreads.ContainsKey); // the checked threads include ones that ran scopes
        foreach ((int thread, ulong value) in seen)
        {
            Assert.True((value & ~control.StatusFlagMask) == reference,
                $"Pool thread {thread}: register 0x{value:X}, expected 0x{reference:X} (flush bits must be clear).");
            Assert.Equal(FloatMode.Ieee, control.ModeOf(value));
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowInsideScope()
    {
        using FloatEnvironmentScope scope = FloatEnvironment.Enter(FloatMode.FlushToZeroAndDenormalsAreZero);
        Assert.Equal(FloatMode.FlushToZeroAndDenormalsAreZero, FloatEnvironment.CurrentMode);
        _ = Tiny(1e-30f, 1e-10f);
        throw new InvalidOperationException("thrown inside a float scope");
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static float Tiny(float x, float y) => x * y;
}
