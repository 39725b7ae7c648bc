namespace CpuLinear.Gpu;

/// <summary>
/// Float and double arithmetic inside a device kernel, each operation rounded on its own to nearest-even, subnormals
/// kept: what the host's C# computes, where the JIT never fuses a multiply into an add. The kernels that must equal
/// host code operation by operation (the normal generator, the ES update) are generic over it.
/// </summary>
/// <remarks>
/// Why not plain operators: ILGPU writes <c>a * b + c</c> as <c>mul.f32</c>/<c>mul.f64</c> then <c>add</c> without a
/// rounding modifier, and PTX lets the assembler contract such a pair into one fused multiply-add (one rounding
/// instead of two). An explicit <c>.rn</c> forbids that. On the CPU accelerator the kernel is .NET code, so the plain
/// operators are already the host's. Division and square root need nothing: ILGPU emits <c>div.rn</c> and
/// <c>sqrt.rn</c>, which are correctly rounded and never contracted.
/// </remarks>
internal interface IDeviceArithmetic : IFusedMultiplyAdd
{
    /// <summary><c>a + b</c> in float, rounded once.</summary>
    float Add(float a, float b);

    /// <summary><c>a − b</c> in float, rounded once.</summary>
    float Sub(float a, float b);

    /// <summary><c>a · b</c> in float, rounded once (never fused with a later add).</summary>
    float Mul(float a, float b);

    /// <summary><c>a + b</c> in double, rounded once.</summary>
    double Add(double a, double b);

    /// <summary><c>a − b</c> in double, rounded once.</summary>
    double Sub(double a, double b);

    /// <summary><c>a · b</c> in double, rounded once (never fused with a later add).</summary>
    double Mul(double a, double b);
}
