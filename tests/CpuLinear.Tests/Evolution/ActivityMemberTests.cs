using CommunityToolkit.HighPerformance;
using CpuLinear.Checkpoints;
using CpuLinear.Data;
using CpuLinear.Evolution;
using CpuLinear.Kernels;
using CpuLinear.Networks;
using CpuLinear.Populations;
using CpuLinear.Randomness;
using CpuLinear.Scoring;
using CpuLinear.Simd;
using CpuLinear.Training;

namespace CpuLinear.Tests.Evolution;

/// <summary>Activity members (<see cref="ActivityEvolutionRun"/>): each row's own pairs on each layer's product.</summary>
public sealed class ActivityMemberTests
{
    private static readonly NetworkArchitecture Net = new([8, 24, 19, 2]);

    public static TheoryData<KernelPath> AllPaths => new() { KernelPath.Scalar, KernelPath.Vector128, KernelPath.Vector256, KernelPath.Vector512 };

    private static EvolutionSettings Settings(ActivityUnits units, int pairs = 3, int batch = 37) => new()
    {
        ActivityPairs = pairs,
        ActivityUnits = units,
        BatchSize = batch,
        Generations = 40,
        SigmaInitial = 0.25f,
        SigmaFinal = 0.0625f,
        LearningRateInitial = 0.01f,
        LearningRateFinal = 0.001f,
        WeightDecay = 0.005f,
        Seed = 5,
    };

    private static DatasetSplits Parity() => Datasets.Load("parity8", new DatasetLoadOptions { Log = TextWriter.Null });

    [Theory]
    [InlineData(ActivityUnits.All)]
    [InlineData(ActivityUnits.Live)]
    public void Every_members_loss_and_every_row_estimate_equal_the_written_out_member(ActivityUnits units)
    {
        // The written-out member of row r, layer l, pair k, sign s: θ's product row (a one-row GEMM), plus s·σ·δ on the
        // units the choice perturbs, the layer's own flushed bias add, then the literal layers above, one row at a time.
        using DatasetSplits data = Parity();
        EvolutionSettings settings = Settings(units, pairs: 3, batch: 37);
        var theta = NetworkParameters.Initialize(Net, settings.Seed);
        var engine = new EngineSettings { MaxThreads = 1 };
        var run = new ActivityEvolutionRun(theta.Clone(), settings, new EngineSettings { MaxThreads = 2 });
        var batch = new Minibatch();
        new EvolutionMinibatches(settings.BatchSize, settings.Seed).Gather(data.Train, 0, batch);
        float sigma = settings.SigmaAt(0);
        run.Step(data.Train);

        int rows = batch.Rows, pairs = settings.ActivityPairs;
        bool crossed = false, skipped = false;
        for (int l = 0; l < Net.LayerCount; l++)
        {
            int width = Net.Widths[l + 1];
            double[] fitness = new double[2 * pairs];
            for (int r = 0; r < rows; r++)
            {
                float[] input = batch.Inputs.GetRowSpan(r).ToArray();
                for (int below = 0; below < l; below++)
                {
                    input = LayerRow(theta, below, input, engine).Output;
                }

                (float[] product, float[] output, float[] bias) = LayerRow(theta, l, input, engine);
                bool[] live = new bool[width];
                for (int i = 0; i < width; i++)
                {
                    float plus = Member(product[i] + sigma, bias[i], l), minus = Member(product[i] - sigma, bias[i], l);
                    live[i] = units == ActivityUnits.All || (output[i] != 0f && plus != 0f && minus != 0f);
                    skipped |= !live[i];
                    crossed |= (plus == 0f) != (minus == 0f);
                }

                float[] expected = new float[width];
                double scale = 1.0 / (2.0 * sigma * pairs * rows);
                for (int k = 0; k < pairs; k++)
                {
                    float[] signs = new float[width];
                    ActivityEvolutionRun.FillSigns(settings.Seed, 0, l, r, k, signs);
                    double[] loss = new double[2];
                    for (int s = 0; s < 2; s++)
                    {
                        float[] member = new float[width];
                        for (int i = 0; i < width; i++)
                        {
                            float step = sigma * signs[i] * (live[i] ? 1f : 0f);
                            member[i] = s == 0 ? product[i] + step : product[i] - step;
                        }

                        (float inner, float outer) = Thresholds(l);
                        DeadZone.AddBias(member, bias, inner, outer, KernelPath.Scalar);
                        loss[s] = LossAbove(theta, l, member, batch.Labels[r], engine);
                        fitness[(2 * k) + s] += loss[s];
                    }

                    float c = (float)((loss[0] - loss[1]) * scale);
                    for (int i = 0; i < width; i++)
                    {
                        expected[i] = MathF.FusedMultiplyAdd(c * (live[i] ? 1f : 0f), signs[i], expected[i]);
                    }
                }

                Assert.Equal(EvolutionTestData.Hex(expected), EvolutionTestData.Hex(run.ProductEstimate(l).Slice(r * width, width)));
            }

            for (int m = 0; m < 2 * pairs; m++)
            {
                Assert.Equal(-fitness[m] / rows, run.Fitness[(2 * pairs * l) + m]);
            }
        }

        Assert.True(units == ActivityUnits.All ? crossed : skipped, "the test should exercise the flush's edge");
    }

    [Theory]
    [MemberData(nameof(AllPaths))]
    public void Theta_has_the_same_bits_on_every_kernel_path_and_thread_count(KernelPath path)
    {
        using DatasetSplits data = Parity();
        EvolutionSettings settings = Settings(ActivityUnits.All, pairs: 5, batch: 64);
        string reference = EvolutionTestData.Hex(Run(settings, data.Train, 6, new EngineSettings { MaxThreads = 1, Path = KernelPath.Scalar }).Parameters.Values);
        Assert.Equal(reference, EvolutionTestData.Hex(Run(settings, data.Train, 6, new EngineSettings { MaxThreads = 2, Path = path }).Parameters.Values));
        Assert.Equal(reference, EvolutionTestData.Hex(Run(settings, data.Train, 6, new EngineSettings { MaxThreads = 3, Path = path }).Parameters.Values));
    }

    [Fact]
    public void Running_a_rows_pairs_in_blocks_does_not_change_the_bits()
    {
        // 1100 pairs run in 37 blocks per batch row, the last one short (and padded to whole tiles).
        using DatasetSplits data = Parity();
        EvolutionSettings wide = Settings(ActivityUnits.Live, pairs: 1100, batch: 9);
        ActivityEvolutionRun run = Run(wide, data.Train, 2, new EngineSettings { MaxThreads = 2 });
        ActivityEvolutionRun single = Run(wide, data.Train, 2, new EngineSettings { MaxThreads = 1, Path = KernelPath.Scalar });
        Assert.Equal(EvolutionTestData.Hex(single.Parameters.Values), EvolutionTestData.Hex(run.Parameters.Values));
    }

    [Fact]
    public void A_run_resumed_through_a_checkpoint_file_ends_with_the_same_bits()
    {
        using DatasetSplits data = Parity();
        EvolutionSettings settings = Settings(ActivityUnits.Live) with { Generations = 10 };
        ActivityEvolutionRun straight = Run(settings, data.Train, 10, new EngineSettings { MaxThreads = 2 });
        ActivityEvolutionRun first = Run(settings, data.Train, 4, new EngineSettings { MaxThreads = 1 });
        string path = Path.Combine(Path.GetTempPath(), $"cpulinear-activity-{Guid.NewGuid():N}.safetensors");
        try
        {
            SafetensorsCheckpoint.Write(path, EvolutionCheckpoint.Capture(first));
            Checkpoint saved = SafetensorsCheckpoint.Read(path);
            Assert.Equal(settings, EvolutionCheckpoint.SettingsOf(saved));
            IEvolutionRun resumed = EvolutionCheckpoint.ResumeRun(saved, new EngineSettings { MaxThreads = 2 });
            Assert.IsType<ActivityEvolutionRun>(resumed);
            while (!resumed.Finished)
            {
                resumed.Step(data.Train);
            }

            Assert.Equal(EvolutionTestData.Hex(straight.Parameters.Values), EvolutionTestData.Hex(resumed.Parameters.Values));
            Assert.Equal(EvolutionTestData.Hex(straight.AdamSecondMoment), EvolutionTestData.Hex(resumed.AdamSecondMoment));
            var error = Assert.Throws<ArgumentException>(() => EvolutionCheckpoint.Resume(saved));
            Assert.Contains("activity members", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void With_live_units_and_many_pairs_the_estimate_points_along_the_ftz_aware_gradient()
    {
        // Live units never cross the flush's edge in the layer they perturb, so with many pairs the estimate is the
        // dead-zone network's own derivative (FTZ-aware backprop's) up to the other layers' rare crossings and noise.
        using DatasetSplits data = Parity();
        EvolutionSettings settings = Settings(ActivityUnits.Live, pairs: 2048, batch: 64) with { WeightDecay = 0, SigmaInitial = 0.01f, SigmaFinal = 0.01f };
        var theta = NetworkParameters.Initialize(Net, settings.Seed);
        var batch = new Minibatch();
        new EvolutionMinibatches(settings.BatchSize, settings.Seed).Gather(data.Train, 0, batch);
        float[] gradient = new float[Net.ParameterCount];
        new BackpropTrainer(theta.Clone(), GradientMode.FtzAware).ComputeGradient(batch.Inputs, batch.Labels, gradient, out _);
        var run = new ActivityEvolutionRun(theta.Clone(), settings, new EngineSettings { MaxThreads = 2 });
        run.Step(data.Train);

        double dot = 0, norm = 0, estimateNorm = 0;
        for (int i = 0; i < gradient.Length; i++)
        {
            dot += gradient[i] * (double)run.Estimate[i];
            norm += gradient[i] * (double)gradient[i];
            estimateNorm += run.Estimate[i] * (double)run.Estimate[i];
        }

        double cosine = dot / Math.Sqrt(norm * estimateNorm);
        double ratio = Math.Sqrt(estimateNorm / norm);
        Assert.True(cosine > 0.9, $"cosine {cosine}");
        Assert.InRange(ratio, 0.8, 1.25);
    }

    [Fact]
    public void Live_units_get_no_estimate_where_theta_flushed_the_unit()
    {
        using DatasetSplits data = Parity();
        EvolutionSettings settings = Settings(ActivityUnits.Live, pairs: 4, batch: 50);
        var theta = NetworkParameters.Initialize(Net, settings.Seed);
        var batch = new Minibatch();
        new EvolutionMinibatches(settings.BatchSize, settings.Seed).Gather(data.Train, 0, batch);
        var run = new ActivityEvolutionRun(theta.Clone(), settings, new EngineSettings { MaxThreads = 2 });
        run.Step(data.Train);
        int flushed = 0;
        for (int r = 0; r < batch.Rows; r++)
        {
            float[] input = batch.Inputs.GetRowSpan(r).ToArray();
            for (int l = 0; l < Net.LayerCount; l++)
            {
                (_, float[] output, _) = LayerRow(theta, l, input, new EngineSettings { MaxThreads = 1 });
                int width = Net.Widths[l + 1];
                for (int i = 0; i < width; i++)
                {
                    if (output[i] == 0f)
                    {
                        flushed++;
                        Assert.Equal(0f, run.ProductEstimate(l)[(r * width) + i]);
                    }
                }

                input = output;
            }
        }

        Assert.True(flushed > 100, $"only {flushed} flushed units");
    }

    [Fact]
    public void Signs_are_plus_or_minus_one_about_half_each_and_differ_by_row_pair_layer_and_generation()
    {
        float[] a = new float[300], b = new float[300];
        ActivityEvolutionRun.FillSigns(1, 0, 0, 0, 0, a);
        Assert.All(a, v => Assert.True(v is 1f or -1f));
        Assert.InRange(a.Count(v => v > 0), 120, 180);
        foreach ((long g, int l, int r, int k) in new[] { (1L, 0, 0, 0), (0L, 1, 0, 0), (0L, 0, 1, 0), (0L, 0, 0, 1) })
        {
            ActivityEvolutionRun.FillSigns(1, g, l, r, k, b);
            Assert.NotEqual(a, b);
        }

        ActivityEvolutionRun.FillSigns(1, 0, 0, 0, 0, b);
        Assert.Equal(a, b);
    }

    [Fact]
    public void Sign_i_of_a_pair_is_bit_i_mod_32_of_its_philox_words_set_meaning_minus_one()
    {
        // 300 units: two whole 128-sign blocks, then a block cut inside its second word.
        const ulong seed = 7;
        const long generation = 3;
        const int layer = 1, row = 5, pair = 2, width = 300, blocks = 3;
        float[] signs = new float[width];
        ActivityEvolutionRun.FillSigns(seed, generation, layer, row, pair, signs);
        ulong stream = CounterRandom.StreamOf((ulong)generation, 0xAC71_0000UL | layer, row);
        for (int i = 0; i < width; i++)
        {
            var (x0, x1, x2, x3) = Philox4x32.Block(seed, stream, ((ulong)pair * blocks) + (ulong)(i / 128));
            uint word = ((i % 128) / 32) switch { 0 => x0, 1 => x1, 2 => x2, _ => x3 };
            float expected = ((word >> (i % 32)) & 1u) == 1u ? -1f : 1f;
            Assert.True(BitConverter.SingleToUInt32Bits(expected) == BitConverter.SingleToUInt32Bits(signs[i]), $"sign {i}: {signs[i]}, expected {expected}");
        }
    }

    [Fact]
    public void A_blocks_sign_words_are_each_pairs_own_across_rows_for_every_width()
    {
        // A block of 11 pairs from pair 5 of row 2, rows of 7 pairs: it runs into rows 3 and 4. Widths that are whole
        // 128-sign blocks take the run-of-blocks route (vector lanes or not); the others go pair by pair.
        foreach (int width in new[] { 512, 128, 300, 10 })
        {
            int perPair = (width + 31) / 32;
            foreach (bool vectors in new[] { false, true })
            {
                uint[] words = new uint[11 * perPair];
                ActivityEvolutionRun.FillBlockSigns(9, 4, 1, 7, 2, 5, 11, width, words, vectors);
                for (int j = 0; j < 11; j++)
                {
                    int row = 2 + ((5 + j) / 7), pair = (5 + j) % 7;
                    uint[] expected = new uint[perPair];
                    ActivityEvolutionRun.FillSignBits(9, ActivityEvolutionRun.SignStream(4, 1, row), pair, width, expected);
                    Assert.Equal(expected, words.AsSpan(j * perPair, perPair).ToArray());
                }
            }
        }
    }

    [Fact]
    public void Settings_that_mix_activity_members_with_members_on_theta_are_refused()
    {
        Assert.Throws<ArgumentException>(() => (Settings(ActivityUnits.All) with { LaterLayerPairs = 4 }).Validate());
        Assert.Throws<ArgumentException>(() => (Settings(ActivityUnits.All) with { FirstLayerUnits = 4 }).Validate());
        Assert.Throws<ArgumentException>(() => (Settings(ActivityUnits.All) with { ActivityPairs = -1 }).Validate());
        var error = Assert.Throws<ArgumentException>(() => new EvolutionTrainer(NetworkParameters.Initialize(Net, 1), Settings(ActivityUnits.All)));
        Assert.Contains("ActivityEvolutionRun", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new ActivityEvolutionRun(NetworkParameters.Initialize(Net, 1), new EvolutionSettings()));
    }

    private static ActivityEvolutionRun Run(EvolutionSettings settings, LabeledImages data, int generations, EngineSettings engine)
    {
        var run = new ActivityEvolutionRun(NetworkParameters.Initialize(Net, settings.Seed), settings, engine);
        for (int g = 0; g < generations; g++)
        {
            run.Step(data);
        }

        return run;
    }

    private static (float Inner, float Outer) Thresholds(int layer) =>
        (layer == 0 ? 1.17549435E-38f : Net.DeadZoneThreshold, Net.DeadZoneThreshold);

    // The element step of a member on one unit: D_out(D_in(v) + D_in(b)).
    private static float Member(float value, float flushedBias, int layer)
    {
        (float inner, float outer) = Thresholds(layer);
        float[] one = [value];
        DeadZone.AddBias(one, [flushedBias], inner, outer, KernelPath.Scalar);
        return one[0];
    }

    // θ's layer on one row: the raw product, the output and D_in(b).
    private static (float[] Product, float[] Output, float[] FlushedBias) LayerRow(NetworkParameters theta, int layer, float[] input, EngineSettings engine)
    {
        int width = Net.Widths[layer + 1];
        float[] product = new float[width], output = new float[width], bias = new float[width];
        FusedExecutor.Layer(theta, layer, new ReadOnlySpan2D<float>(input, 1, input.Length), new Span2D<float>(output, 1, width), bias, new Span2D<float>(product, 1, width), engine);
        return (product, output, bias);
    }

    // The loss of one row whose layer `layer` produced `output`, through the literal layers above.
    private static double LossAbove(NetworkParameters theta, int layer, float[] output, byte label, EngineSettings engine)
    {
        float[] current = output;
        for (int l = layer + 1; l < Net.LayerCount; l++)
        {
            float[] next = new float[Net.Widths[l + 1]];
            FusedExecutor.Layer(theta, l, new ReadOnlySpan2D<float>(current, 1, current.Length), new Span2D<float>(next, 1, next.Length), new float[next.Length], Span2D<float>.Empty, engine);
            current = next;
        }

        return SoftmaxCrossEntropy.Evaluate(new ReadOnlySpan2D<float>(current, 1, current.Length), [label], Span2D<float>.Empty, 0f, out _);
    }
}
