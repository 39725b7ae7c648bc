using CommunityToolkit.HighPerformance;
using CpuLinear.Backends;
using CpuLinear.Evolution;
using CpuLinear.Networks;
using CpuLinear.Scoring;
using CpuLinear.Training;

namespace CpuLinear.Gpu.Tests;

/// <summary>Device memory like a library: buffers reused across calls, populations chunked to the budget, a clear error when one member cannot fit.</summary>
public sealed class DeviceMemoryTests
{
    private static readonly NetworkArchitecture Net = new([29, 17, 13, 10]);

    private static EvaluationResult[] Evaluate(IlgpuBackend backend, int population, int batch)
    {
        NetworkParameters centre = Seeded.Network(Net, 1);
        float[] perturbations = Seeded.Perturbations(Net, population, 2, 0.01f);
        float[] pixels = Seeded.Uniform(batch * Net.Inputs, 3, 0f, 1f);
        var results = new EvaluationResult[population];
        backend.EvaluatePopulation(centre, perturbations, new ReadOnlySpan2D<float>(pixels, batch, Net.Inputs), Seeded.Labels(batch, 10, 4), results);
        return results;
    }

    [Fact]
    public void A_small_budget_splits_the_population_into_chunks_with_the_same_losses()
    {
        const int population = 9, batch = 5;
        long perMember = (Net.ParameterCount + (2 * batch * 17) + (batch * 10)) * sizeof(float);
        long shared = ((batch * Net.Inputs) + Net.ParameterCount) * sizeof(float);
        using IlgpuBackend roomy = IlgpuFixture.Create();
        using IlgpuBackend tight = IlgpuFixture.Create(shared + (2 * perMember) + (perMember / 2));

        EvaluationResult[] whole = Evaluate(roomy, population, batch);
        Assert.Equal(population, roomy.LastChunkSize);
        EvaluationResult[] chunked = Evaluate(tight, population, batch);
        Assert.Equal(2, tight.LastChunkSize);
        Assert.True(tight.AllocatedBytes <= tight.MemoryBudgetBytes);
        Assert.Equal(whole.Select(r => BitConverter.DoubleToUInt64Bits(r.Loss)), chunked.Select(r => BitConverter.DoubleToUInt64Bits(r.Loss)));
    }

    [Fact]
    public void Repeated_calls_of_the_same_size_allocate_nothing_new()
    {
        using IlgpuBackend backend = IlgpuFixture.Create();
        Evaluate(backend, 4, 3);
        int allocations = backend.AllocationCount;
        Assert.True(allocations > 0);
        Evaluate(backend, 4, 3);
        Evaluate(backend, 2, 3);
        Assert.Equal(allocations, backend.AllocationCount);
        Evaluate(backend, 6, 3);
        Assert.True(backend.AllocationCount > allocations, "a larger population grows the member buffers");
    }

    [Fact]
    public void A_member_that_cannot_fit_fails_with_the_sizes_named()
    {
        using IlgpuBackend backend = IlgpuFixture.Create(1000);
        DeviceMemoryExceededException error = Assert.Throws<DeviceMemoryExceededException>(() => Evaluate(backend, 2, 3));
        Assert.Equal(1000, error.BudgetBytes);
        Assert.True(error.RequiredBytes > 1000);
        Assert.Contains($"{error.RequiredBytes} bytes", error.Message, StringComparison.Ordinal);
        Assert.Contains("1000 bytes", error.Message, StringComparison.Ordinal);
        Assert.Contains(Net.ToString(), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_gemm_larger_than_the_budget_fails_before_touching_the_device()
    {
        using IlgpuBackend backend = IlgpuFixture.Create(4096);
        var a = new float[40 * 40];
        var c = new float[40 * 40];
        DeviceMemoryExceededException error = Assert.Throws<DeviceMemoryExceededException>(() => backend.Gemm(40, 40, 40, a, a, [], 0f, 0f, c));
        Assert.Contains("GEMM operand", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Low_rank_pairs_split_into_chunks_of_whole_pairs_give_the_same_losses()
    {
        const int pairs = 5, batch = 4;
        NetworkParameters centre = Seeded.Network(Net, 5);
        var layout = new LowRankNoiseLayout(Net, 2);
        float[] noise = Seeded.WideRange(pairs * layout.Length, 6);
        float[] pixels = Seeded.Uniform(batch * Net.Inputs, 7, 0f, 1f);
        byte[] labels = Seeded.Labels(batch, 10, 8);
        var inputs = new ReadOnlySpan2D<float>(pixels, batch, Net.Inputs);

        using IlgpuBackend roomy = IlgpuFixture.Create();
        var whole = new EvaluationResult[2 * pairs];
        roomy.EvaluateLowRankPairs(centre, layout, noise, 0.1f, inputs, labels, whole);
        Assert.Equal(2 * pairs, roomy.LastChunkSize);

        // Room for the shared buffers and a little over two pairs: chunks of 4 members, the last one 2.
        long perMember = (Net.ParameterCount + (2 * batch * 17) + (batch * 10) + ((layout.Length + (batch * 2)) / 2) + 2) * sizeof(float);
        long shared = ((batch * Net.Inputs) + Net.ParameterCount + (batch * 17)) * sizeof(float);
        using IlgpuBackend tight = IlgpuFixture.Create(shared + (5 * perMember));
        var chunked = new EvaluationResult[2 * pairs];
        tight.EvaluateLowRankPairs(centre, layout, noise, 0.1f, inputs, labels, chunked);
        Assert.Equal(4, tight.LastChunkSize);
        Assert.Equal(whole.Select(r => BitConverter.DoubleToUInt64Bits(r.Loss)), chunked.Select(r => BitConverter.DoubleToUInt64Bits(r.Loss)));
    }
}
