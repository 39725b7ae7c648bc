using CommunityToolkit.HighPerformance;
using CpuLinear.Networks;

namespace CpuLinear.Tests.Networks;

/// <summary>
/// A 3-3-3-3 network built so each semantics gives different, hand-computable logits (s = 2^125):
/// <code>
///   x = [1, 1, 1/4], W1 = I, b = 0       h1 = [2^-125, 2^-125, 2^-127]       (2^-127 is subnormal: FTZ drops it)
///   W2 columns [1/4,1/4,0] [1,1,0] [0,0,1] h2 = [2^-127 + 2^-127, 2^-124, h1₃]   (products 2^-127 are subnormal:
///                                                                               only an FTZ GEMM drops them)
///   W3 = I                               o  = h2 · 2^125
/// </code>
/// Ieee: [1/2, 2, 1/4]. FtzElementwise: [1/2, 2, 0]. FtzEverywhere: [0, 2, 0].
/// </summary>
public class LiteralExecutorTests
{
    public static NetworkParameters HandNetwork()
    {
        var net = new NetworkArchitecture([3, 3, 3, 3]);
        var p = new NetworkParameters(net, new float[net.ParameterCount]);
        float[] identity = [1, 0, 0, 0, 1, 0, 0, 0, 1];
        identity.CopyTo(p.Weights(0));
        new float[] { 0.25f, 1, 0, 0.25f, 1, 0, 0, 0, 1 }.CopyTo(p.Weights(1));
        identity.CopyTo(p.Weights(2));
        return p;
    }

    [Theory]
    [InlineData(FloatSemantics.Ieee, 0x3F000000u, 0x40000000u, 0x3E800000u)]
    [InlineData(FloatSemantics.FtzElementwise, 0x3F000000u, 0x40000000u, 0x00000000u)]
    [InlineData(FloatSemantics.FtzEverywhere, 0x00000000u, 0x40000000u, 0x00000000u)]
    public void HandCheckedNetworkGivesExactBits(FloatSemantics semantics, uint o0, uint o1, uint o2)
    {
        float[] logits = new float[3];
        new LiteralExecutor(semantics).Forward(HandNetwork(), new ReadOnlySpan2D<float>(new float[] { 1, 1, 0.25f }, 1, 3), new Span2D<float>(logits, 1, 3));
        Assert.Equal([o0, o1, o2], logits.Select(BitConverter.SingleToUInt32Bits).ToArray());
    }

    [Fact]
    public void FtzEverywhereReachesEveryWorkerThread()
    {
        // 600 rows make many GEMM work items, so most run on pool threads: each must flush like the caller.
        const int rows = 600;
        float[] x = Enumerable.Range(0, rows).SelectMany(_ => new[] { 1f, 1f, 0.25f }).ToArray();
        float[] logits = new float[rows * 3];
        new LiteralExecutor(FloatSemantics.FtzEverywhere, new EngineSettings { MaxThreads = 4 })
            .Forward(HandNetwork(), new ReadOnlySpan2D<float>(x, rows, 3), new Span2D<float>(logits, rows, 3));
        for (int row = 0; row < rows; row++)
        {
            Assert.Equal([0f, 2f, 0f], logits.AsSpan(row * 3, 3).ToArray());
        }
    }

    [Fact]
    public void FusedExecutorComputesTheElementwiseFlushProgram()
    {
        float[] logits = new float[3];
        new FusedExecutor().Forward(HandNetwork(), new ReadOnlySpan2D<float>(new float[] { 1, 1, 0.25f }, 1, 3), new Span2D<float>(logits, 1, 3));
        Assert.Equal([0x3F000000u, 0x40000000u, 0u], logits.Select(BitConverter.SingleToUInt32Bits).ToArray());
    }

    [Fact]
    public void NegativeBiasesBelowTheDeadZoneAreFlushed()
    {
        // b2 / s with |b2| < 1/2 is subnormal: FTZ drops it, IEEE keeps it.
        NetworkParameters p = HandNetwork();
        p.Bias(1)[1] = 0.375f;
        p.Bias(1)[2] = 0.75f;
        float[] ieee = new float[3], ftz = new float[3], fused = new float[3];
        var x = new ReadOnlySpan2D<float>(new float[] { 1, 1, 0.25f }, 1, 3);
        new LiteralExecutor(FloatSemantics.Ieee).Forward(p, x, new Span2D<float>(ieee, 1, 3));
        new LiteralExecutor(FloatSemantics.FtzElementwise).Forward(p, x, new Span2D<float>(ftz, 1, 3));
        new FusedExecutor().Forward(p, x, new Span2D<float>(fused, 1, 3));
        Assert.Equal([0.5f, 2.375f, 1f], ieee);
        Assert.Equal([0.5f, 2f, 0.75f], ftz);
        Assert.Equal(ftz.Select(BitConverter.SingleToUInt32Bits), fused.Select(BitConverter.SingleToUInt32Bits));
    }

    [Fact]
    public void WrongShapesNameBothShapes()
    {
        var ex = Assert.Throws<ArgumentException>(() =>
            new LiteralExecutor(FloatSemantics.Ieee).Forward(HandNetwork(), new ReadOnlySpan2D<float>(new float[4], 1, 4), new Span2D<float>(new float[3], 1, 3)));
        Assert.Contains("takes 3 inputs", ex.Message);
        Assert.Contains("has 4", ex.Message);
    }
}
