using System.Runtime.CompilerServices;
using CpuLinear.Simd;

namespace CpuLinear.Kernels;

/// <summary>
/// The element-wise dead zone <c>D(v) = |v| &lt; threshold ? ±0 : v</c>. With threshold 2^-126 it is exactly
/// what flush-to-zero does to a result (sign of zero kept, NaN and infinity untouched); with threshold 0.5 it
/// is the same flush seen in units scaled by 2^125.
/// </summary>
public static class DeadZone
{
    /// <summary>Applies the dead zone in place on the registry's kernel path.</summary>
    public static void Apply(Span<float> values, float threshold) =>
        Apply(values, threshold, KernelRegistry.Selected);

    /// <summary>Applies the dead zone in place on the given path (all paths give the same bits).</summary>
    [SkipLocalsInit]
    public static unsafe void Apply(Span<float> values, float threshold, KernelPath path)
    {
        fixed (float* p = values)
        {
            var kernel = new ApplyKernel(p, values.Length, threshold);
            LaneDispatch.Run(path, ref kernel);
        }
    }

    /// <summary>
    /// <c>values[i] = D_out(D_in(values[i]) + bias[i])</c> in one pass (all paths give the same bits): a bias
    /// add with DAZ on the product and FTZ on the sum, seen in the units the thresholds are given in. The bias
    /// is taken as it is (callers flush it once, not per row).
    /// </summary>
    public static void AddBias(Span<float> values, ReadOnlySpan<float> bias, float inputThreshold, float outputThreshold, KernelPath path)
    {
        if (bias.Length < values.Length)
        {
            throw new ArgumentException($"The bias has {bias.Length} values for {values.Length} outputs.", nameof(bias));
        }

        Add(values, bias[..values.Length], values, inputThreshold, 0f, outputThreshold, path);
    }

    /// <summary>
    /// <c>destination[i] = D_sum(D_x(x[i]) + D_y(y[i]))</c>: an add under denormals-are-zero and flush-to-zero at
    /// the given thresholds (0 turns one off). With all three at 2^-126 it is the hardware's FTZ+DAZ add.
    /// <paramref name="destination"/> may be <paramref name="x"/> or <paramref name="y"/> itself.
    /// </summary>
    [SkipLocalsInit]
    public static unsafe void Add(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> destination, float xThreshold, float yThreshold, float sumThreshold, KernelPath path)
    {
        if (x.Length != destination.Length || y.Length != destination.Length)
        {
            throw new ArgumentException($"Operands of {x.Length} and {y.Length} values for a destination of {destination.Length}.", nameof(destination));
        }

        var thresholds = (xThreshold, yThreshold, sumThreshold);
        fixed (float* px = x)
        fixed (float* py = y)
        fixed (float* pd = destination)
        {
            var kernel = new AddKernel(px, py, pd, destination.Length, thresholds);
            LaneDispatch.Run(path, ref kernel);
        }
    }

    /// <summary>
    /// <c>destination[i] = |x[i]| &lt; threshold ? ±0 : x[i]·factor</c>: a scaling whose tiny results are flushed,
    /// decided on the input (see <see cref="SoftwareFlush"/> for why the product cannot decide it).
    /// </summary>
    [SkipLocalsInit]
    public static unsafe void Scale(ReadOnlySpan<float> x, float factor, float threshold, Span<float> destination, KernelPath path)
    {
        if (x.Length != destination.Length)
        {
            throw new ArgumentException($"The destination has {destination.Length} values; the source has {x.Length}.", nameof(destination));
        }

        fixed (float* px = x)
        fixed (float* pd = destination)
        {
            var kernel = new ScaleKernel(px, pd, destination.Length, factor, threshold);
            LaneDispatch.Run(path, ref kernel);
        }
    }

    /// <summary>
    /// <see cref="Add(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, float, float, float, KernelPath)"/> in the
    /// caller's lanes, for kernels that already run on one path (no dispatch per call).
    /// </summary>
    internal static unsafe void Add<TLanes, TVector>(float* x, float* y, float* destination, int length, (float X, float Y, float Sum) t)
        where TLanes : IFloatLanes<TVector>
        where TVector : unmanaged
    {
        TVector tx = TLanes.Broadcast(t.X), ty = TLanes.Broadcast(t.Y), tSum = TLanes.Broadcast(t.Sum);
        int i = 0;
        for (; i <= length - TLanes.Count; i += TLanes.Count)
        {
            TVector sum = TLanes.Add(TLanes.DeadZone(TLanes.Load(x + i), tx), TLanes.DeadZone(TLanes.Load(y + i), ty));
            TLanes.Store(TLanes.DeadZone(sum, tSum), destination + i);
        }

        for (; i < length; i++)
        {
            float sum = ScalarLanes.DeadZone(x[i], t.X) + ScalarLanes.DeadZone(y[i], t.Y);
            destination[i] = ScalarLanes.DeadZone(sum, t.Sum);
        }
    }

    private static unsafe void Scale<TLanes, TVector>(float* x, float* destination, int length, float factor, float threshold)
        where TLanes : IFloatLanes<TVector>
        where TVector : unmanaged
    {
        TVector limit = TLanes.Broadcast(threshold), scale = TLanes.Broadcast(factor);
        int i = 0;
        for (; i <= length - TLanes.Count; i += TLanes.Count)
        {
            TLanes.Store(TLanes.Multiply(TLanes.DeadZone(TLanes.Load(x + i), limit), scale), destination + i);
        }

        for (; i < length; i++)
        {
            destination[i] = ScalarLanes.DeadZone(x[i], threshold) * factor;
        }
    }

    private static unsafe void Apply<TLanes, TVector>(float* values, int length, float threshold)
        where TLanes : IFloatLanes<TVector>
        where TVector : unmanaged
    {
        TVector limit = TLanes.Broadcast(threshold);
        int i = 0;
        for (; i <= length - TLanes.Count; i += TLanes.Count)
        {
            TLanes.Store(TLanes.DeadZone(TLanes.Load(values + i), limit), values + i);
        }

        for (; i < length; i++)
        {
            values[i] = ScalarLanes.DeadZone(values[i], threshold);
        }
    }

    private readonly unsafe struct ApplyKernel(float* values, int length, float threshold) : ILaneKernel<ApplyKernel>
    {
        private readonly float* _values = values;
        private readonly int _length = length;
        private readonly float _threshold = threshold;

        public static void Run<TLanes, TVector>(ref ApplyKernel kernel)
            where TLanes : struct, IFloatLanes<TVector>
            where TVector : unmanaged => Apply<TLanes, TVector>(kernel._values, kernel._length, kernel._threshold);
    }

    private readonly unsafe struct AddKernel(float* x, float* y, float* destination, int length, (float X, float Y, float Sum) thresholds) : ILaneKernel<AddKernel>
    {
        private readonly float* _x = x;
        private readonly float* _y = y;
        private readonly float* _destination = destination;
        private readonly int _length = length;
        private readonly (float X, float Y, float Sum) _thresholds = thresholds;

        public static void Run<TLanes, TVector>(ref AddKernel kernel)
            where TLanes : struct, IFloatLanes<TVector>
            where TVector : unmanaged => Add<TLanes, TVector>(kernel._x, kernel._y, kernel._destination, kernel._length, kernel._thresholds);
    }

    private readonly unsafe struct ScaleKernel(float* x, float* destination, int length, float factor, float threshold) : ILaneKernel<ScaleKernel>
    {
        private readonly float* _x = x;
        private readonly float* _destination = destination;
        private readonly int _length = length;
        private readonly float _factor = factor;
        private readonly float _threshold = threshold;

        public static void Run<TLanes, TVector>(ref ScaleKernel kernel)
            where TLanes : struct, IFloatLanes<TVector>
            where TVector : unmanaged => Scale<TLanes, TVector>(kernel._x, kernel._destination, kernel._length, kernel._factor, kernel._threshold);
    }
}
