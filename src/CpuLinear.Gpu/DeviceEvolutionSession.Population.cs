using CommunityToolkit.HighPerformance;
using CpuLinear.Backends;
using CpuLinear.Data;
using CpuLinear.Evolution;
using CpuLinear.Networks;
using CpuLinear.Parallelism;
using CpuLinear.Randomness;
using CpuLinear.Scoring;
using ILGPU;

namespace CpuLinear.Gpu;

// The members: memory plan, minibatch, θ's shared work, noise, member construction, forward passes and host scoring.
public sealed partial class DeviceEvolutionSession
{
    /// <summary>
    /// Pairs per device pass: what the budget leaves after the other users of the pool and the session's resident
    /// buffers, divided by one pair's buffers (noise, units, projections, two members' parameters, activations and
    /// logits), capped so that no launch indexes more than <see cref="int.MaxValue"/> threads.
    /// </summary>
    internal int PlanChunk(LabeledImages data, int batch)
    {
        (long resident, long perPair, long threadsPerPair) = MemoryPlan(data, batch);
        DeviceMemoryPool pool = _backend.Pool;
        long outside = pool.BytesOutside([.. _buffers]);
        long fits = (pool.BudgetBytes - outside - resident) / perPair;
        if (fits < 1)
        {
            throw new DeviceMemoryExceededException(
                $"One pair of {_net} members with a minibatch of {batch} rows, with the ES run's resident training set, θ, Adam state and estimate,",
                outside + resident + perPair, pool.BudgetBytes, pool.Device);
        }

        fits = Math.Min(fits, Math.Max(1, int.MaxValue / threadsPerPair));
        return (int)Math.Min(fits, _blocks.Max(b => b.Pairs));
    }

    /// <summary>
    /// Bytes the session keeps for the whole generation (training set, minibatch, θ, m, v, ĝ, θ's shared products, the
    /// full-rank table, the pair weights), bytes per pair of a chunk, and the threads one pair's widest launch takes.
    /// </summary>
    internal (long Resident, long PerPair, long ThreadsPerPair) MemoryPlan(LabeledImages data, int batch)
    {
        int count = _net.ParameterCount, width = _net.Widths[1], pairs = Settings.PopulationPairs;
        bool lowRank = _rank > 0, shared = _blocks.Any(b => b.Kind is MemberKind.UnitSubset or MemberKind.LaterLayers);
        long resident = Floats((long)data.Count * _net.Inputs) + Ints(batch) + Floats((long)batch * _net.Inputs)
            + (4 * Floats(count)) + Floats(_blocks.Length > 1 ? count : 0)
            + Floats(lowRank ? (long)batch * width : 0)
            + Floats(shared ? (long)batch * width : 0) + Floats(shared ? (long)batch * _net.Widths[2] : 0)
            + Floats(_rank == 0 ? FullRankNoise.TableLength(count) : 0) + Ints(_rank == 0 ? pairs : 0)
            + (2 * Floats(pairs)) + Doubles(_net.LayerCount);

        long widest = Widest(_net);
        long noise = 0, units = 0, order = 0, inputProjection = 0, activationProjection = 0, stride = 0, delta = 0, updates = 0;
        foreach (DeviceBlock block in _blocks)
        {
            bool subset = block.Kind == MemberKind.UnitSubset, later = block.Kind == MemberKind.LaterLayers;
            noise = Math.Max(noise, lowRank ? _layout!.Length : 0);
            units = Math.Max(units, subset ? _units : 0);
            order = Math.Max(order, subset ? width : 0);
            inputProjection = Math.Max(inputProjection, block.Kind is MemberKind.LowRank or MemberKind.UnitSubset ? (long)batch * _rank : 0);
            activationProjection = Math.Max(activationProjection, subset || later ? (long)batch * _rank : 0);
            stride = Math.Max(stride, count - MemberBase(block.Kind));
            delta = Math.Max(delta, subset ? (long)batch * _units : 0);
            updates = Math.Max(updates, subset || later ? (long)batch * _rank : 0);
        }

        long perMember = stride + 1 + (2L * batch * widest) + ((long)batch * _net.Outputs) + delta + updates;
        long perPair = (sizeof(float) * (noise + inputProjection + activationProjection + (2 * perMember))) + (sizeof(int) * (units + order));
        long threadsPerPair = 2 * Math.Max(Math.Max(stride, (long)batch * _net.Widths.Skip(1).Max()), Math.Max(noise, width));
        return (resident, perPair, threadsPerPair);

        static long Floats(long n) => Math.Max(1, n) * sizeof(float);
        static long Ints(long n) => Math.Max(1, n) * sizeof(int);
        static long Doubles(long n) => Math.Max(1, n) * sizeof(double);
    }

    // θ's index of a member vector's first float: members hold only the parameters their kind writes out.
    private int MemberBase(MemberKind kind) => kind switch
    {
        MemberKind.FullRank => 0,
        MemberKind.LowRank => _net.BiasOffset(0),
        _ => _net.LayerCount > 2 ? _net.WeightOffset(2) : _net.ParameterCount,
    };

    private static long Widest(NetworkArchitecture net) => net.Widths.Skip(1).SkipLast(1).DefaultIfEmpty(0).Max();

    // The training set travels once (for this data object); the minibatch is gathered on the device from its rows.
    private ArrayView<float> GatherBatch(LabeledImages data, ReadOnlySpan<int> rows)
    {
        if (!ReferenceEquals(data, _resident))
        {
            _data.Upload(data.Pixels);
            _resident = data;
        }

        int features = _net.Inputs;
        ArrayView<float> batch = _batch.View((long)rows.Length * features);
        _kernels.GatherRows(new Index2D(features, rows.Length), _data.View((long)data.Count * features), _indices.Upload(rows), batch, features);
        return batch;
    }

    // θ's loss and accuracy on the minibatch, for the metrics (its logits come back and are scored as the CPU engine scores θ).
    private EvaluationResult ScoreCentre(ArrayView<float> inputs, int batch)
    {
        ArrayView<float> logits = Forward(_theta.View(_net.ParameterCount), 0, _net.ParameterCount, 1, inputs, 0, batch, 0);
        DownloadLogits(logits);
        return BackendArguments.Score(new ReadOnlySpan2D<float>(_hostLogits, 0, batch, _net.Outputs, 0), _labels.AsSpan(0, batch));
    }

    // θ's work every low-rank member shares: S = x·W₁ (raw), and for unit subsets and later layers H₁ and H₁·W₂.
    private void PrepareShared(ArrayView<float> inputs, int batch)
    {
        if (_rank == 0)
        {
            return;
        }

        int width = _net.Widths[1];
        ArrayView<float> theta = _theta.View(_net.ParameterCount);
        ArrayView<float> product = _product.View((long)batch * width);
        _backend.LaunchGemm(new Index3D(width, batch, 1), inputs, theta, theta, product, new GemmArguments
        {
            M = batch,
            N = width,
            K = _net.Inputs,
            OffsetB = _net.WeightOffset(0),
        });
        if (!_blocks.Any(b => b.Kind is MemberKind.UnitSubset or MemberKind.LaterLayers))
        {
            return;
        }

        int next = _net.Widths[2];
        ArrayView<float> activation = _activation.View((long)batch * width);
        _kernels.FirstActivation(new Index2D(width, batch), product, theta, activation, SubsetArguments(batch, 0f));
        _backend.LaunchGemm(new Index3D(next, batch, 1), activation, theta, theta, _secondProduct.View((long)batch * next), new GemmArguments
        {
            M = batch,
            N = next,
            K = width,
            OffsetB = _net.WeightOffset(1),
        });
    }

    private void EvaluatePopulation(GenerationCall call)
    {
        for (int b = 0; b < _blocks.Length; b++)
        {
            DeviceBlock block = _blocks[b];
            for (int first = 0; first < block.Pairs; first += call.Chunk)
            {
                int pairs = Math.Min(call.Chunk, block.Pairs - first);
                ArrayView<float> logits = EvaluateChunk(call, b, first, pairs);
                DownloadLogits(logits);
                ScoreMembers(2 * pairs, call.Batch, _fitness.AsSpan(2 * (block.FirstPair + first), 2 * pairs));
            }
        }
    }

    // Pairs [first, first + pairs) of block b: noise, members, forward pass; returns the members' logits on the device.
    private ArrayView<float> EvaluateChunk(GenerationCall call, int b, int first, int pairs)
    {
        DeviceBlock block = _blocks[b];
        NetworkArchitecture net = _net;
        int members = 2 * pairs, batch = call.Batch, count = net.ParameterCount;
        if (block.Kind == MemberKind.FullRank)
        {
            ArrayView<float> vectors = _members.View((long)members * count);
            (Index1D threads, int threadStride) = Spread(vectors.Length);
            _kernels.FullRankMembers(
                threads, _theta.View(count), _table.View(FullRankNoise.TableLength(count)), _offsets.View(Settings.PopulationPairs),
                vectors, block.FirstPair + first, call.Sigma, vectors.Length, threadStride);
            return Forward(vectors, 0, count, members, call.Inputs, 0, batch, 0);
        }

        ArrayView<float> noise = DrawNoise(call.Generation, b, first, pairs);
        int memberBase = MemberBase(block.Kind), stride = count - memberBase;
        ArrayView<float> vector = _members.View((long)members * stride);
        ArrayView<float> scales = MemberScales(call.Sigma, members);
        BuildMembers(noise, vector, memberBase, stride, block.Kind == MemberKind.LowRank ? 0 : 2, members, call.Sigma, scales);
        int width = net.Widths[1];
        if (block.Kind == MemberKind.LowRank)
        {
            ArrayView<float> projection = Project(call.Inputs, noise, 0, batch, pairs, _inputProjection);
            ArrayView<float> firstOutput = net.LayerCount == 1 ? Logits(members, batch) : _front.View((long)members * batch * Widest(net));
            (float inner, float outer) = FusedExecutor.Thresholds(net, 0);
            _backend.LowRankFirstLayerKernel(new Index3D(width, batch, members), _product.View((long)batch * width), projection, noise, scales, vector, firstOutput, new LowRankArguments
            {
                Rows = batch,
                N = width,
                Rank = _rank,
                MembersPerFactor = 2,
                ParameterCount = stride,
                BiasOffset = net.BiasOffset(0),
                MemberBase = memberBase,
                FactorStride = _layout!.Length,
                FactorBOffset = _layout.FactorB(0),
                InputThreshold = inner,
                OutputThreshold = outer,
            });
            return net.LayerCount == 1 ? firstOutput : Forward(vector, memberBase, stride, members, firstOutput, (long)batch * width, batch, 1);
        }

        // Unit subsets and later layers: the second layer from θ's H₁ and H₁·W₂, then the member's own later layers.
        bool subset = block.Kind == MemberKind.UnitSubset;
        SubsetArguments args = SubsetArguments(batch, call.Sigma);
        args.Units = subset ? _units : 0;
        ArrayView<float> activation = _activation.View((long)batch * width);
        ArrayView<int> units = _unitList.View(subset ? (long)pairs * _units : 0);
        ArrayView<float> delta = _delta.View(subset ? (long)members * batch * _units : 0);
        if (subset)
        {
            ArrayView<float> inputProjection = Project(call.Inputs, noise, 0, batch, pairs, _inputProjection);
            _kernels.UnitDelta(
                new Index3D(_units, batch, members), _product.View((long)batch * width), activation, inputProjection, noise, units,
                _theta.View(count), delta, args);
        }
        ArrayView<float> activationProjection = Project(activation, noise, 1, batch, pairs, _activationProjection);
        ArrayView<float> updates = _updates.View((long)members * batch * _rank);
        _kernels.FactorWeights(new Index3D(_rank, batch, members), activationProjection, noise, units, delta, updates, args);
        int next = net.Widths[2];
        ArrayView<float> secondOutput = net.LayerCount == 2 ? Logits(members, batch) : _front.View((long)members * batch * Widest(net));
        _kernels.SecondLayer(
            new Index3D(next, batch, members), _secondProduct.View((long)batch * next), _theta.View(count), noise, units, delta, updates,
            secondOutput, args);
        return net.LayerCount == 2 ? secondOutput : Forward(vector, memberBase, stride, members, secondOutput, (long)batch * next, batch, 2);
    }

    /// <summary>
    /// Draws pairs [first, first + pairs) of block b into the noise buffer (each pair's vector in <see cref="LowRankNoiseLayout"/>),
    /// with the kind's zeros and, for unit subsets, the pairs' units and their scaled first-layer noise.
    /// </summary>
    private ArrayView<float> DrawNoise(long generation, int b, int first, int pairs)
    {
        DeviceBlock block = _blocks[b];
        LowRankNoiseLayout layout = _layout!;
        ArrayView<float> noise = _noise.View((long)pairs * layout.Length);
        if (_noiseHolds == (b, first))
        {
            return noise;
        }

        var args = new NoiseArguments
        {
            Key = Settings.EffectiveNoiseSeed,
            Generation = (ulong)generation,
            FirstStreamPair = block.StreamFirstPair + first,
            Length = layout.Length,
            Rank = _rank,
        };
        if (block.Kind == MemberKind.UnitSubset)
        {
            // B₁ and b₁ are zero but on the pair's units (UnitSubsetNoise's masking), which DrawUnits fills in.
            (args.ZeroFrom0, args.ZeroTo0, args.ZeroFrom1, args.ZeroTo1) = (layout.FactorB(0), layout.FactorA(1), layout.BiasNoise(0), layout.BiasNoise(1));
            int width = _net.Widths[1];
            args.Width = width;
            args.Units = _units;
            args.FactorB0 = layout.FactorB(0);
            args.BiasNoise0 = layout.BiasNoise(0);
            args.UnitScale = MathF.Sqrt(width / (float)_units);
        }
        else if (block.Kind == MemberKind.LaterLayers)
        {
            // W₁'s factors and b₁'s noise are zero (LaterLayerNoise).
            (args.ZeroFrom0, args.ZeroTo0, args.ZeroFrom1, args.ZeroTo1) = (0, layout.FactorA(1), layout.BiasNoise(0), layout.BiasNoise(1));
        }

        _kernels.DrawPairs(new Index2D((layout.Length + 1) / 2, pairs), noise, args);
        if (block.Kind == MemberKind.UnitSubset)
        {
            ArrayView<int> units = _unitList.View((long)pairs * _units);
            _kernels.ChooseUnits(new Index1D(pairs), _order.View((long)pairs * args.Width), units, args);
            _kernels.DrawUnits(new Index3D(_units, _rank + 1, pairs), noise, units, args);
        }

        _noiseHolds = (b, first);
        return noise;
    }

    /// <summary>
    /// For tests: pairs [first, first + pairs) of block <paramref name="block"/> of <paramref name="generation"/> drawn on the
    /// device and copied back (pair i's vector at i·length), with the units of a unit-subset block (k ints per pair).
    /// </summary>
    internal (float[] Noise, int[] Units) DrawForTest(long generation, int block, int first, int pairs)
    {
        _noiseHolds = (-1, -1);
        ArrayView<float> noise = DrawNoise(generation, block, first, pairs);
        var hostNoise = new float[noise.Length];
        Download(noise, hostNoise);
        int[] units = [];
        if (_blocks[block].Kind == MemberKind.UnitSubset)
        {
            units = new int[pairs * _units];
            Download(_unitList.View(units.Length), units);
        }

        _noiseHolds = (-1, -1);
        return (hostNoise, units);
    }

    /// <summary>For tests: the full-rank table and generation <paramref name="generation"/>'s offsets, copied back.</summary>
    internal (float[] Table, int[] Offsets) FullRankNoiseForTest(long generation)
    {
        int count = _net.ParameterCount, pairs = Settings.PopulationPairs;
        ArrayView<int> offsets = DrawTableOffsets(generation);
        var table = new float[FullRankNoise.TableLength(count)];
        var hostOffsets = new int[pairs];
        Download(_table.View(table.Length), table);
        Download(offsets, hostOffsets);
        return (table, hostOffsets);
    }

    // Every pair's offset into the full-rank table for generation g (FullRankNoise's draw).
    private ArrayView<int> DrawTableOffsets(long generation)
    {
        int count = _net.ParameterCount, pairs = Settings.PopulationPairs;
        ulong span = (ulong)(FullRankNoise.TableLength(count) - count + 1);
        ArrayView<int> offsets = _offsets.View(pairs);
        _kernels.TableOffsets(new Index1D(pairs), offsets, Settings.EffectiveNoiseSeed, CounterRandom.StreamOf(DeviceNoiseKernels.OffsetTag, (ulong)generation), span);
        return offsets;
    }

    // ±σ/√r per member, as the CPU engine rounds (±σ)/√r.
    private ArrayView<float> MemberScales(float sigma, int members)
    {
        if (_rank == 0)
        {
            return _memberScales.View(members);
        }

        float factorScale = sigma / MathF.Sqrt(_rank);
        var scales = new float[members];
        for (int m = 0; m < members; m++)
        {
            scales[m] = (m & 1) == 0 ? factorScale : -factorScale;
        }

        return _memberScales.Upload(scales);
    }

    // The members' biases and written-out weights from layer `firstLayer` on (the first layer's weights are never written).
    private void BuildMembers(ArrayView<float> noise, ArrayView<float> vectors, int memberBase, int stride, int firstLayer, int members, float sigma, ArrayView<float> scales)
    {
        LowRankNoiseLayout layout = _layout!;
        ArrayView<float> theta = _theta.View(_net.ParameterCount);
        for (int l = firstLayer; l < _net.LayerCount; l++)
        {
            var args = new PairMemberArguments
            {
                ParameterCount = stride,
                NoiseLength = layout.Length,
                FanOut = _net.Widths[l + 1],
                Rank = _rank,
                WeightOffset = _net.WeightOffset(l),
                BiasOffset = _net.BiasOffset(l),
                MemberBase = memberBase,
                FactorA = layout.FactorA(l),
                FactorB = layout.FactorB(l),
                BiasNoise = layout.BiasNoise(l),
                Sigma = sigma,
            };
            _backend.PairMemberBiasKernel(new Index2D(_net.Widths[l + 1], members), theta, noise, vectors, args);
            if (l > 0)
            {
                _backend.PairMemberWeightsKernel(new Index3D(_net.Widths[l + 1], _net.Widths[l], members), theta, noise, scales, vectors, args);
            }
        }
    }

    // source · A_layer of each pair (A read from the pair's noise vector): pairs x batch x r, no epilogue.
    private ArrayView<float> Project(ArrayView<float> source, ArrayView<float> noise, int layer, int batch, int pairs, DeviceBuffer destination)
    {
        ArrayView<float> projection = destination.View((long)pairs * batch * _rank);
        _backend.LaunchGemm(new Index3D(_rank, batch, pairs), source, noise, noise, projection, new GemmArguments
        {
            M = batch,
            N = _rank,
            K = _net.Widths[layer],
            BatchStrideB = _layout!.Length,
            OffsetB = _layout.FactorA(layer),
            BatchStrideC = (long)batch * _rank,
        });
        return projection;
    }

    private SubsetArguments SubsetArguments(int batch, float sigma)
    {
        NetworkArchitecture net = _net;
        LowRankNoiseLayout layout = _layout!;
        bool two = net.LayerCount >= 2;
        (float inner0, float outer0) = FusedExecutor.Thresholds(net, 0);
        (float inner1, float outer1) = two ? FusedExecutor.Thresholds(net, 1) : (0f, 0f);
        return new SubsetArguments
        {
            Rows = batch,
            Width = net.Widths[1],
            Next = two ? net.Widths[2] : 0,
            Rank = _rank,
            Units = _units,
            NoiseLength = layout.Length,
            FactorB0 = layout.FactorB(0),
            FactorA1 = two ? layout.FactorA(1) : 0,
            FactorB1 = two ? layout.FactorB(1) : 0,
            BiasNoise0 = layout.BiasNoise(0),
            BiasNoise1 = two ? layout.BiasNoise(1) : 0,
            BiasOffset0 = net.BiasOffset(0),
            BiasOffset1 = two ? net.BiasOffset(1) : 0,
            WeightOffset1 = two ? net.WeightOffset(1) : 0,
            Sigma = sigma,
            FactorScale = sigma / MathF.Sqrt(_rank),
            Inner0 = inner0,
            Outer0 = outer0,
            Inner1 = inner1,
            Outer1 = outer1,
        };
    }

    private ArrayView<float> Logits(int members, int batch) => _logits.View((long)members * batch * _net.Outputs);

    /// <summary>
    /// Layers <paramref name="firstLayer"/>.. of <paramref name="members"/> members whose parameters lie at
    /// vectors[m·stride + (offset − memberBase)]: one batched fused GEMM per layer, <c>h = D(D(h·W) + D(b))</c>. The source is
    /// the minibatch (first layer 0, every member reading it) or the front buffer the layer before wrote. Returns the logits.
    /// </summary>
    private ArrayView<float> Forward(ArrayView<float> vectors, int memberBase, int stride, int members, ArrayView<float> source, long sourceStride, int batch, int firstLayer)
    {
        NetworkArchitecture net = _net;
        long widest = Widest(net);
        ArrayView<float> front = _front.View((long)members * batch * widest), back = _back.View((long)members * batch * widest);
        ArrayView<float> logits = Logits(members, batch);
        bool nextIsFront = firstLayer == 0;
        for (int layer = firstLayer; layer < net.LayerCount; layer++)
        {
            int fanIn = net.Widths[layer], fanOut = net.Widths[layer + 1];
            ArrayView<float> destination = layer == net.LayerCount - 1 ? logits : nextIsFront ? front : back;
            (float inner, float outer) = FusedExecutor.Thresholds(net, layer);
            _backend.LaunchGemm(new Index3D(fanOut, batch, members), source, vectors, vectors, destination, new GemmArguments
            {
                M = batch,
                N = fanOut,
                K = fanIn,
                BatchStrideA = sourceStride,
                BatchStrideB = stride,
                BatchStrideBias = stride,
                BatchStrideC = (long)batch * fanOut,
                OffsetB = net.WeightOffset(layer) - memberBase,
                OffsetBias = net.BiasOffset(layer) - memberBase,
                HasBias = 1,
                FlushBias = 1,
                InputThreshold = inner,
                OutputThreshold = outer,
            });
            source = destination;
            sourceStride = (long)batch * fanOut;
            nextIsFront = !nextIsFront;
        }

        return logits;
    }

    private void DownloadLogits(ArrayView<float> logits)
    {
        Grow(ref _hostLogits, logits.Length);
        Download(logits, _hostLogits.AsSpan(0, (int)logits.Length));
    }

    // Every member's fitness, −(mean cross-entropy at the run's temperature), on the host's threads: each member alone,
    // rows in index order, as the CPU engine scores it.
    private void ScoreMembers(int members, int batch, Span<double> fitness)
    {
        var scored = new double[members];
        EngineParallel.For(members, _backend.HostThreads, new ScoreWork(_hostLogits, _labels, batch, _net.Outputs, Settings.FitnessTemperature, scored));
        scored.CopyTo(fitness);
    }

    private readonly struct ScoreWork(float[] logits, byte[] labels, int batch, int classes, float temperature, double[] fitness) : IWorkItems
    {
        public void Run(int index) =>
            fitness[index] = -(SoftmaxCrossEntropy.Evaluate(
                new ReadOnlySpan2D<float>(logits, index * batch * classes, batch, classes, 0), labels.AsSpan(0, batch), Span2D<float>.Empty, 0f, temperature, out _) / batch);
    }
}
