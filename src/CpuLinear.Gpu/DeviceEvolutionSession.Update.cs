using CpuLinear.Evolution;
using CpuLinear.Networks;
using CpuLinear.Optimization;
using CpuLinear.Training;
using ILGPU;

namespace CpuLinear.Gpu;

// The update: the gradient estimate from the pairs' weights, the block normalisation, decay and Adam or SGD, the RMS projection.
public sealed partial class DeviceEvolutionSession
{
    /// <summary>
    /// ĝ from the pairs' differences, as <see cref="PopulationNoise.Estimate"/> forms it: one kind weighs pair j by
    /// dⱼ·(1 / (2·pairs)) and combines; a block population combines every block with dⱼ itself, adds the blocks in order
    /// and divides each parameter by twice the pairs that perturb it. Only the weights (and wⱼ/√r) go up.
    /// </summary>
    private void Estimate(GenerationCall call)
    {
        int pairs = Settings.PopulationPairs, count = _net.ParameterCount;
        bool blocks = _blocks.Length > 1;
        float inverseCount = 1f / (2 * pairs);
        float factorScale = _rank > 0 ? 1f / MathF.Sqrt(_rank) : 0f;
        for (int j = 0; j < pairs; j++)
        {
            _weights[j] = blocks ? _differences[j] : _differences[j] * inverseCount;
            _pairScales[j] = _weights[j] * factorScale;
        }

        ArrayView<float> weights = _pairWeights.Upload(_weights);
        ArrayView<float> pairScales = _pairScaleBuffer.Upload(_pairScales);
        ArrayView<float> gradient = _gradient.View(count);
        ArrayView<float> part = blocks ? _part.View(count) : gradient;
        if (blocks)
        {
            // BlockNoise clears ĝ first: what no block reaches stays +0.
            (Index1D threads, int stride) = Spread(count);
            _kernels.Clear(threads, gradient, 0, count, stride);
        }

        for (int b = 0; b < _blocks.Length; b++)
        {
            DeviceBlock block = _blocks[b];
            ArrayView<float> target = blocks ? part : gradient;
            ArrayView<float> blockWeights = weights.SubView(block.FirstPair, block.Pairs), blockScales = pairScales.SubView(block.FirstPair, block.Pairs);
            if (block.Kind == MemberKind.FullRank)
            {
                (Index1D threads, int stride) = Spread(count);
                _kernels.FullRankGradient(threads, _table.View(FullRankNoise.TableLength(count)), _offsets.View(pairs), blockWeights, target, block.Pairs, stride);
            }
            else
            {
                EstimateLowRank(call, b, blockWeights, blockScales, target);
            }

            if (blocks)
            {
                int from = block.FirstPerturbed;
                (Index1D threads, int stride) = Spread(count - from);
                _kernels.AddBlock(threads, part, gradient, from, b == 0 ? 1 : 0, stride);
            }
        }

        if (blocks)
        {
            NormaliseBlocks(gradient);
        }
    }

    // One low-rank block's Σⱼ wⱼ·εⱼ, chunk by chunk (a chunk's noise drawn again unless it is still on the device),
    // every chain continued across chunks; a later-layer block leaves W₁ and b₁ at +0.
    private void EstimateLowRank(GenerationCall call, int b, ArrayView<float> weights, ArrayView<float> pairScales, ArrayView<float> target)
    {
        DeviceBlock block = _blocks[b];
        LowRankNoiseLayout layout = _layout!;
        int firstLayer = 0;
        if (block.Kind == MemberKind.LaterLayers)
        {
            (Index1D threads, int stride) = Spread(block.FirstPerturbed);
            _kernels.Clear(threads, target, 0, block.FirstPerturbed, stride);
            firstLayer = 1;
        }

        for (int first = 0; first < block.Pairs; first += call.Chunk)
        {
            int pairs = Math.Min(call.Chunk, block.Pairs - first);
            ArrayView<float> noise = DrawNoise(call.Generation, b, first, pairs);
            for (int l = firstLayer; l < _net.LayerCount; l++)
            {
                (Index1D weightThreads, int weightStride) = Spread((long)_net.Widths[l] * _net.Widths[l + 1]);
                (Index1D biasThreads, int biasStride) = Spread(_net.Widths[l + 1]);
                var args = new GradientArguments
                {
                    FanIn = _net.Widths[l],
                    FanOut = _net.Widths[l + 1],
                    Rank = _rank,
                    Pairs = pairs,
                    NoiseLength = layout.Length,
                    FactorA = layout.FactorA(l),
                    FactorB = layout.FactorB(l),
                    BiasNoise = layout.BiasNoise(l),
                    WeightOffset = _net.WeightOffset(l),
                    BiasOffset = _net.BiasOffset(l),
                    Continue = first > 0 ? 1 : 0,
                    Stride = weightStride,
                };
                _kernels.LowRankWeights(weightThreads, noise, pairScales.SubView(first, pairs), target, args);
                _kernels.LowRankBias(biasThreads, noise, weights.SubView(first, pairs), target, args with { Stride = biasStride });
            }
        }
    }

    // BlockNoise's estimate: the parameters split at the blocks' first perturbed parameters; each range is divided by
    // twice the pairs that perturb it, or cleared where none does.
    private void NormaliseBlocks(ArrayView<float> gradient)
    {
        int count = _net.ParameterCount;
        int[] starts = [.. _blocks.Select(b => b.FirstPerturbed).Append(0).Append(count).Distinct().Order()];
        for (int s = 0; s + 1 < starts.Length; s++)
        {
            int from = starts[s], to = starts[s + 1], perturbing = 0;
            foreach (DeviceBlock block in _blocks)
            {
                perturbing += block.FirstPerturbed <= from ? block.Pairs : 0;
            }

            float inverseCount = perturbing == 0 ? 0f : 1f / (2 * perturbing);
            (Index1D threads, int stride) = Spread(to - from);
            _kernels.ScaleRange(threads, gradient, from, inverseCount, perturbing == 0 ? 1 : 0, to - from, stride);
        }
    }

    // EvolutionStrategy.Tell after the estimate: decoupled shrink, the direction, then Adam (its step scalars from the
    // host's AdamOptimizer) or SGD, every element on the device.
    private void Update(float learningRate)
    {
        float decay = Settings.WeightDecay;
        bool l2 = Settings.DecayMode == WeightDecayMode.L2, adam = Settings.Optimizer == EvolutionOptimizer.Adam;
        var args = new TellArguments
        {
            Decay = decay,
            Shrink = !l2 && decay != 0 ? 1 : 0,
            Keep = 1 - (learningRate * decay),
            L2 = l2 ? 1 : 0,
            Adam = adam ? 1 : 0,
            LearningRate = learningRate,
            Beta1 = _adam.Beta1,
            Beta2 = _adam.Beta2,
            OneMinusBeta1 = 1 - _adam.Beta1,
            OneMinusBeta2 = 1 - _adam.Beta2,
        };
        if (adam)
        {
            AdamStep++;
            (args.StepSize, args.ScaledEpsilon) = AdamOptimizer.StepScalars(_adam, AdamStep, learningRate);
        }

        int count = _net.ParameterCount;
        (Index1D threads, args.Stride) = Spread(count);
        _kernels.Tell(threads, _theta.View(count), _gradient.View(count), _m.View(count), _v.View(count), args);
    }

    // WeightRmsProjection on the device: each hidden layer's Σw² in index order (one double per layer comes back), the
    // factor from the host's definition, then the rescale.
    private void ProjectWeights()
    {
        int layers = _net.LayerCount - 1;
        if (layers < 1)
        {
            return;
        }

        ArrayView<float> theta = _theta.View(_net.ParameterCount);
        ArrayView<double> sums = _sums.View(layers);
        for (int l = 0; l < layers; l++)
        {
            _kernels.SumOfSquares(new Index1D(1), theta, sums, _net.WeightOffset(l), _net.Widths[l] * _net.Widths[l + 1], l);
        }

        var host = new double[layers];
        Download(sums, host);
        for (int l = 0; l < layers; l++)
        {
            int weights = _net.Widths[l] * _net.Widths[l + 1];
            if (WeightRmsProjection.Factor(_net.Widths[l], NetworkParameters.RootMeanSquare(host[l], weights)) is { } factor)
            {
                (Index1D threads, int stride) = Spread(weights);
                _kernels.Scale(threads, theta, _net.WeightOffset(l), factor, weights, stride);
            }
        }
    }
}
