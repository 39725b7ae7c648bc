using CommunityToolkit.HighPerformance;
using CpuLinear.Backends;
using CpuLinear.Networks;
using CpuLinear.Scoring;
using CpuLinear.Training;

namespace CpuLinear.Gpu.Tests;

/// <summary>
/// CPU engine against the ILGPU kernels, output against output, on seeded random inputs at odd sizes: the
/// bit-identity the backend interface promises (docs/science.md §8).
/// </summary>
public sealed class CrossBackendBitIdentityTests(IlgpuFixture fixture) : IClassFixture<IlgpuFixture>, IDisposable
{
    private readonly CpuBackend _cpu = new(new EngineSettings { MaxThreads = 2 });
    private readonly IlgpuBackend _ilgpu = fixture.Backend;

    public static TheoryData<int, int, int, ulong> RandomShapes()
    {
        // Seeded odd shapes, k sometimes past the CPU engine's 256-deep k-block so the resumed chain is covered.
        var data = new TheoryData<int, int, int, ulong>();
        ulong state = 2024;
        for (int i = 0; i < 8; i++)
        {
            int m = 1 + (int)(Seeded.Next(ref state) % 40);
            int n = 1 + (int)(Seeded.Next(ref state) % 70);
            int k = 1 + (int)(Seeded.Next(ref state) % 530);
            data.Add(m | 1, n | 1, k | 1, Seeded.Next(ref state));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(RandomShapes))]
    public void Gemm_with_epilogue_is_bit_identical(int m, int n, int k, ulong seed)
    {
        float[] a = Seeded.WideRange(m * k, seed), b = Seeded.WideRange(k * n, seed + 1);

        // Thresholds at the 25th and 50th percentile of |A·B| so both dead zones flush a good share of outputs.
        float[] magnitudes = Reference.Gemm(m, n, k, a, b, null, 0f, 0f).Select(MathF.Abs).Order().ToArray();
        float inner = magnitudes[magnitudes.Length / 4], outer = magnitudes[magnitudes.Length / 2];
        float[] bias = Seeded.Uniform(n, seed + 2, -outer, outer);
        var cpu = new float[m * n];
        var gpu = new float[m * n];
        _cpu.Gemm(m, n, k, a, b, bias, inner, outer, cpu);
        _ilgpu.Gemm(m, n, k, a, b, bias, inner, outer, gpu);
        Assert.Contains(cpu, v => v == 0);
        Assert.Contains(cpu, v => v != 0);
        Reference.SameBits(cpu, gpu, $"GEMM+epilogue {m}x{n}x{k}");
    }

    [Fact]
    public void Forward_on_the_paper_network_is_bit_identical()
    {
        const int batch = 8;
        NetworkArchitecture net = NetworkArchitecture.Default;
        NetworkParameters parameters = Seeded.Network(net, 99);
        float[] pixels = Seeded.Uniform(batch * net.Inputs, 98, 0f, 1f);
        var cpu = new float[batch * net.Outputs];
        var gpu = new float[batch * net.Outputs];
        _cpu.Forward(parameters, new ReadOnlySpan2D<float>(pixels, batch, net.Inputs), new Span2D<float>(cpu, batch, net.Outputs));
        _ilgpu.Forward(parameters, new ReadOnlySpan2D<float>(pixels, batch, net.Inputs), new Span2D<float>(gpu, batch, net.Outputs));
        Reference.SameBits(cpu, gpu, "784-512-512-10 forward");
    }

    [Fact]
    public void Population_losses_are_identical_on_the_paper_network()
    {
        const int population = 3, batch = 4;
        NetworkArchitecture net = NetworkArchitecture.Default;
        NetworkParameters centre = Seeded.Network(net, 5);
        float[] perturbations = Seeded.Perturbations(net, population, 6, 0.005f);
        float[] pixels = Seeded.Uniform(batch * net.Inputs, 7, 0f, 1f);
        byte[] labels = Seeded.Labels(batch, 10, 8);
        var cpu = new EvaluationResult[population];
        var gpu = new EvaluationResult[population];
        _cpu.EvaluatePopulation(centre, perturbations, new ReadOnlySpan2D<float>(pixels, batch, net.Inputs), labels, cpu);
        _ilgpu.EvaluatePopulation(centre, perturbations, new ReadOnlySpan2D<float>(pixels, batch, net.Inputs), labels, gpu);
        Assert.Equal(cpu.Select(r => BitConverter.DoubleToUInt64Bits(r.Loss)), gpu.Select(r => BitConverter.DoubleToUInt64Bits(r.Loss)));
        Assert.Equal(cpu.Select(r => r.Accuracy), gpu.Select(r => r.Accuracy));
    }

    public void Dispose() => _cpu.Dispose();
}
