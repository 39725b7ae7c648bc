using CommunityToolkit.HighPerformance;
using CpuLinear.Networks;
using CpuLinear.Optimization;
using CpuLinear.Randomness;
using CpuLinear.Training;

namespace CpuLinear.Tests.Training;

public sealed class TrainerTests
{
    private static readonly NetworkArchitecture Net = new([40, 33, 17, 10]);

    [Theory]
    [InlineData(GradientMode.StraightThrough)]
    [InlineData(GradientMode.PureLinear)]
    [InlineData(GradientMode.FtzAware)]
    public void Training_is_the_same_bits_on_one_and_two_threads(GradientMode mode)
    {
        float[] one = TrainSteps(mode, threads: 1, seed: 11);
        float[] two = TrainSteps(mode, threads: 2, seed: 11);
        Assert.Equal(Hex(one), Hex(two));
        // Guard against a trainer that does nothing: the steps must have moved the parameters.
        Assert.NotEqual(Hex(NetworkParameters.Initialize(Net, 11).Values), Hex(one));
    }

    [Fact]
    public void The_training_forward_pass_is_the_fused_executor_bit_for_bit()
    {
        NetworkParameters parameters = TrainingTestNetworks.Tiny(Net, 2);
        (float[] inputs, _) = TrainingTestNetworks.Batch(Net, 13, 3);
        var expected = new float[13 * Net.Outputs];
        new FusedExecutor().Forward(parameters, TrainingTestNetworks.Matrix(inputs, Net.Inputs), new Span2D<float>(expected, 13, Net.Outputs));
        Assert.Contains(expected, v => v == 0f); // some logits inside the dead zone, so the flush is exercised

        foreach (GradientMode mode in new[] { GradientMode.StraightThrough, GradientMode.FtzAware })
        {
            var trainer = new BackpropTrainer(parameters, mode);
            var actual = new float[expected.Length];
            trainer.ForwardExecutor.Forward(parameters, TrainingTestNetworks.Matrix(inputs, Net.Inputs), new Span2D<float>(actual, 13, Net.Outputs));
            Assert.Equal(Hex(expected), Hex(actual));
        }
    }

    [Fact]
    public void Adam_first_step_moves_each_parameter_by_the_learning_rate_against_the_gradient_sign()
    {
        // After one step m̂ = g and v̂ = g², so the update is lr·g/(|g| + ε) = ±lr for |g| ≫ ε, and 0 for g = 0.
        var adam = new AdamOptimizer(3);
        float[] parameters = [1f, 1f, 1f];
        adam.Update(parameters, [0.5f, -2f, 0f], 0.01f);
        Assert.Equal(0.99f, parameters[0], 1e-6f);
        Assert.Equal(1.01f, parameters[1], 1e-6f);
        Assert.Equal(1f, parameters[2]);
        Assert.Equal(1, adam.Step);
        Assert.Equal(0.05f, adam.FirstMoment[0], 1e-7f);
        Assert.Equal(0.004f, adam.SecondMoment[1], 1e-7f);
    }

    [Fact]
    public void Adam_in_vector_lanes_has_the_bits_of_the_written_out_scalar_update_over_several_steps()
    {
        // 1003 parameters: whole vectors of every width and a tail; gradients with zeros and a wide range of magnitudes.
        const int count = 1003;
        var random = new Random(5);
        float[] parameters = [.. Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() - 0.5))];
        float[] expected = (float[])parameters.Clone(), m = new float[count], v = new float[count];
        var adam = new AdamOptimizer(count);
        for (int step = 1; step <= 3; step++)
        {
            float[] gradient = [.. Enumerable.Range(0, count).Select(_ => random.Next(7) == 0 ? 0f : (float)((random.NextDouble() - 0.5) * Math.Pow(10, random.Next(-6, 2))))];
            adam.Update(parameters, gradient, 0.003f);
            (float stepSize, float epsilon) = AdamOptimizer.StepScalars(adam.Settings, step, 0.003f);
            float beta1 = adam.Settings.Beta1, beta2 = adam.Settings.Beta2;
            for (int i = 0; i < count; i++)
            {
                m[i] = (beta1 * m[i]) + ((1 - beta1) * gradient[i]);
                v[i] = (beta2 * v[i]) + ((1 - beta2) * gradient[i] * gradient[i]);
                expected[i] -= stepSize * m[i] / (MathF.Sqrt(v[i]) + epsilon);
            }

            Assert.Equal(Hex(expected), Hex(parameters));
            Assert.Equal(Hex(m), Hex(adam.FirstMoment));
            Assert.Equal(Hex(v), Hex(adam.SecondMoment));
        }
    }

    [Fact]
    public void Learning_rate_is_constant_then_decays()
    {
        LearningRateSchedule schedule = LearningRateSchedule.HalfThenDecay(1e-3f, 8);
        float[] expected = [1e-3f, 1e-3f, 1e-3f, 1e-3f, 3e-4f, 3e-4f, 3e-4f, 3e-4f];
        for (int epoch = 0; epoch < expected.Length; epoch++)
        {
            Assert.Equal(expected[epoch], schedule.At(epoch), 1e-9f);
        }

        Assert.Equal(1e-3f, LearningRateSchedule.HalfThenDecay(1e-3f, 1).At(0));
    }

    [Fact]
    public void Minibatch_order_is_a_seeded_permutation_that_changes_per_epoch()
    {
        int[] first = MinibatchOrder.Permutation(1000, 1, 0);
        Assert.Equal(Enumerable.Range(0, 1000), first.Order());
        Assert.Equal(first, MinibatchOrder.Permutation(1000, 1, 0));
        Assert.NotEqual(first, MinibatchOrder.Permutation(1000, 1, 1));
        Assert.NotEqual(first, MinibatchOrder.Permutation(1000, 2, 0));
        Assert.NotEqual(Enumerable.Range(0, 1000), first);
    }

    [Theory]
    [InlineData(0, 5)]
    [InlineData(1, 1)]
    [InlineData(31, 33)]
    [InlineData(32, 32)]
    [InlineData(37, 65)]
    [InlineData(128, 784)]
    public void Transpose_moves_every_value(int rows, int columns)
    {
        float[] source = TestData.WideRange(rows * columns, 5);
        var destination = new float[rows * columns];
        CpuLinear.Kernels.Transpose.Apply(source, rows, columns, destination);
        for (int i = 0; i < rows; i++)
        {
            for (int j = 0; j < columns; j++)
            {
                Assert.Equal(BitConverter.SingleToUInt32Bits(source[(i * columns) + j]), BitConverter.SingleToUInt32Bits(destination[(j * rows) + i]));
            }
        }
    }

    private static float[] TrainSteps(GradientMode mode, int threads, ulong seed)
    {
        var parameters = NetworkParameters.Initialize(Net, seed);
        var trainer = new BackpropTrainer(parameters, mode, new EngineSettings { MaxThreads = threads });
        for (int step = 0; step < 4; step++)
        {
            (float[] inputs, byte[] labels) = TrainingTestNetworks.Batch(Net, 150, (ulong)step);
            trainer.TrainStep(TrainingTestNetworks.Matrix(inputs, Net.Inputs), labels, 1e-2f, out _);
        }

        return parameters.Values;
    }

    internal static string Hex(float[] values) => string.Concat(values.Select(v => BitConverter.SingleToUInt32Bits(v).ToString("x8")));
}
