using CommunityToolkit.HighPerformance;
using CpuLinear.Evolution;
using CpuLinear.Kernels;
using CpuLinear.Networks;
using CpuLinear.Scoring;
using CpuLinear.Simd;

namespace CpuLinear.Populations;

// One member's forward pass and loss, per member kind.
public sealed partial class CpuPopulationEvaluator
{
    // Mean cross-entropy of member (pair, sign) on the minibatch; sign 0 evaluates scratch.Values as they are.
    private double ForwardLoss(Scratch scratch, Call call, int pair, int sign, out int correct)
    {
        NetworkParameters theta = call.Theta;
        NetworkArchitecture net = theta.Architecture;
        PopulationNoise noise = call.Generation.Noise;
        var lowRankNoise = noise as LowRankNoise;
        bool lowRank = sign != 0 && lowRankNoise is not null;
        float scale = sign * call.Generation.Sigma;
        int rows = call.Batch.Rows;
        if (sign != 0)
        {
            if (lowRankNoise is not null)
            {
                // Only the biases are written: the weights' rank-r terms are applied as each GEMM packs them.
                lowRankNoise.Layout.WriteMember(theta.Values, lowRankNoise.Pair(pair), scale, scratch.Values, laterWeights: false);
            }
            else
            {
                ((FullRankNoise)noise).WriteMember(theta.Values, pair, scale, scratch.Values);
            }
        }

        NetworkParameters perturbed = scratch.Network!;
        ReadOnlySpan2D<float> source = call.Batch.Inputs;
        float[] front = scratch.Front, back = scratch.Back;
        int firstLayer = 0;
        int rank = lowRankNoise?.Rank ?? 0;
        // On three layers the kinds below compute the last one inside the second's kernel, on each block of rows
        // while it is hot (FollowingLayer: the GEMM's bits).
        bool fused = lowRank && net.LayerCount == 3 && noise is UnitSubsetNoise or LaterLayerNoise;
        FollowingLayer following = fused ? LastLayer(scratch, theta, perturbed, lowRankNoise!, pair, scale, rows) : default;
        if (lowRank && noise is UnitSubsetNoise subsets)
        {
            // Layers 1 and 2 from θ's shared activations plus the pair's units (UnitSubsetMembers).
            Span2D<float> second = net.LayerCount == 2
                ? new Span2D<float>(scratch.Logits, 0, rows, net.Outputs, 0)
                : new Span2D<float>(front, 0, rows, net.Widths[2], 0);
            int width = net.Widths[1];
            ReadOnlySpan<float> pairNoise = subsets.Pair(pair);
            LowRankNoiseLayout layout = subsets.Layout;
            _subset!.SecondLayer(
                theta, perturbed, subsets.UnitsOf(pair),
                scratch.Projection.AsSpan(0, rows * rank), scratch.ActivationProjection.AsSpan(0, rows * rank),
                pairNoise.Slice(layout.FactorB(0), rank * width),
                pairNoise.Slice(layout.FactorA(1), width * rank),
                pairNoise.Slice(layout.FactorB(1), rank * net.Widths[2]),
                scale / MathF.Sqrt(rank), scratch.Subset ??= new UnitSubsetMembers.MemberScratch(net, rank), second, _engine.ResolvedPath, following);
            source = second;
            (front, back) = (back, front);
            firstLayer = 2;
        }
        else if (lowRank && noise is LaterLayerNoise later)
        {
            // θ's first layer; the second from θ's shared H₁·W₂ plus the pair's rank-r term (LaterLayerMembers).
            Span2D<float> second = net.LayerCount == 2
                ? new Span2D<float>(scratch.Logits, 0, rows, net.Outputs, 0)
                : new Span2D<float>(front, 0, rows, net.Widths[2], 0);
            _later!.SecondLayer(
                theta, perturbed, scratch.ActivationProjection.AsSpan(0, rows * rank),
                later.Pair(pair).Slice(later.Layout.FactorB(1), rank * net.Widths[2]), scale / MathF.Sqrt(rank),
                scratch.Later ??= new LaterLayerMembers.MemberScratch(net, rank), second, _engine.ResolvedPath, following);
            source = second;
            (front, back) = (back, front);
            firstLayer = 2;
        }

        if (fused)
        {
            source = new Span2D<float>(scratch.Logits, 0, rows, net.Outputs, 0);
            firstLayer = net.LayerCount;
        }

        for (int l = firstLayer; l < net.LayerCount; l++)
        {
            int fanOut = net.Widths[l + 1];
            bool last = l == net.LayerCount - 1;
            Span2D<float> destination = last
                ? new Span2D<float>(scratch.Logits, 0, rows, fanOut, 0)
                : new Span2D<float>(front, 0, rows, fanOut, 0);
            if (l == 0 && lowRank)
            {
                LowRankFirstLayer.Apply(
                    net, _shared, scratch.Projection, lowRankNoise!.Pair(pair).Slice(lowRankNoise.Layout.FactorB(0), rank * fanOut), rank,
                    scale / MathF.Sqrt(rank), perturbed.Bias(0), scratch.Bias, destination, _engine.ResolvedPath);
            }
            else if (lowRank)
            {
                // W + (sσ/√r)·A·B: U[i, t] = (sσ/√r)·A[i, t] rounded as a written-out member rounds it, V = B.
                FusedExecutor.LayerLowRankUpdated(
                    perturbed, theta, l, source, destination, scratch.Bias, Coefficients(scratch, lowRankNoise!, pair, l, scale),
                    lowRankNoise!.Pair(pair).Slice(lowRankNoise.Layout.FactorB(l), rank * fanOut), rank, _singleThread);
            }
            else
            {
                FusedExecutor.Layer(perturbed, l, source, destination, scratch.Bias, Span2D<float>.Empty, _singleThread);
            }

            source = destination;
            (front, back) = (back, front);
        }

        // Members are scored at the request's temperature; θ itself (sign 0) by the plain loss the metrics report.
        double total = SoftmaxCrossEntropy.Evaluate(source, call.Batch.Labels, Span2D<float>.Empty, 0f, sign == 0 ? 1f : call.Generation.Temperature, out correct);
        return total / rows;
    }

    // U = (sσ/√r)·A of layer l for the pair, rounded as a written-out member rounds it (its update is U·B).
    private static ReadOnlySpan<float> Coefficients(Scratch scratch, LowRankNoise noise, int pair, int layer, float scale)
    {
        int rank = noise.Rank;
        float factorScale = scale / MathF.Sqrt(rank);
        ReadOnlySpan<float> a = noise.Pair(pair).Slice(noise.Layout.FactorA(layer), noise.Layout.Architecture.Widths[layer] * rank);
        Span<float> coefficients = scratch.Coefficients.AsSpan(0, a.Length);
        for (int i = 0; i < coefficients.Length; i++)
        {
            coefficients[i] = factorScale * a[i];
        }

        return coefficients;
    }

    // The member's last layer (the third of three) for the second layer's kernel: W₃ + U·B₃ packed as the GEMM
    // packs it and D_in(b₃'), as FusedExecutor.LayerLowRankUpdated has them, writing the logits.
    private FollowingLayer LastLayer(Scratch scratch, NetworkParameters theta, NetworkParameters member, LowRankNoise noise, int pair, float scale, int rows)
    {
        const int Layer = 2;
        NetworkArchitecture net = theta.Architecture;
        int fanIn = net.Widths[Layer], fanOut = net.Widths[Layer + 1], rank = noise.Rank;
        KernelPath path = FollowingLayer.PathFor(_singleThread.ResolvedPath, fanOut);
        Span<float> packed = scratch.PackedLast(FollowingLayer.PackedLength(fanIn, fanOut, path));
        FollowingLayer.Pack(
            new ReadOnlySpan2D<float>(theta.Values, net.WeightOffset(Layer), fanIn, fanOut, 0), Coefficients(scratch, noise, pair, Layer, scale),
            noise.Pair(pair).Slice(noise.Layout.FactorB(Layer), rank * fanOut), rank, path, packed);
        (float inner, float outer) = FusedExecutor.Thresholds(net, Layer);
        Span<float> bias = scratch.Bias.AsSpan(0, fanOut);
        member.Bias(Layer).CopyTo(bias);
        DeadZone.Apply(bias, inner, _singleThread.ResolvedPath);
        return new FollowingLayer(packed, fanIn, fanOut, path, bias, inner, outer, scratch.Logits.AsSpan(0, rows * fanOut));
    }

    // Per-thread buffers: a member's vector, activations, logits, the flushed bias, coefficients and x·A.
    private sealed class Scratch
    {
        private NetworkArchitecture? _net;
        private int _rows, _rank;

        public float[] Values { get; private set; } = [];

        public NetworkParameters? Network { get; private set; }

        public float[] Front { get; private set; } = [];

        public float[] Back { get; private set; } = [];

        public float[] Logits { get; private set; } = [];

        public float[] Projection { get; private set; } = [];

        public float[] ActivationProjection { get; private set; } = [];

        public float[] Bias { get; private set; } = [];

        public float[] Coefficients { get; private set; } = [];

        public UnitSubsetMembers.MemberScratch? Subset { get; set; }

        private float[] _packedLast = [];

        /// <summary>The last layer's packed panels for <see cref="LastLayer"/>, at least <paramref name="length"/> floats.</summary>
        public Span<float> PackedLast(int length)
        {
            if (_packedLast.Length < length)
            {
                _packedLast = new float[length];
            }

            return _packedLast.AsSpan(0, length);
        }

        public LaterLayerMembers.MemberScratch? Later { get; set; }

        public void Ensure(NetworkArchitecture net, int rank, int rows)
        {
            if (!ReferenceEquals(net, _net) || rank != _rank)
            {
                _net = net;
                _rank = rank;
                _rows = 0;
                Values = new float[net.ParameterCount];
                Network = new NetworkParameters(net, Values);
                Bias = new float[net.Widths.Skip(1).Max()];
                Coefficients = new float[net.Widths.SkipLast(1).Max() * rank];
                Subset = null;
                Later = null;
            }

            if (rows <= _rows)
            {
                return;
            }

            int widest = net.Widths.Skip(1).Max();
            Front = new float[rows * widest];
            Back = new float[rows * widest];
            Logits = new float[rows * net.Outputs];
            Projection = new float[rows * rank];
            ActivationProjection = new float[rows * rank];
            _rows = rows;
        }
    }
}
