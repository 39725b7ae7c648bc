using ILGPU.Runtime.Cuda;

namespace CpuLinear.Gpu;

/// <summary>
/// CUDA's arithmetic written as PTX with an explicit <c>.rn</c> and no <c>.ftz</c>: each operation rounds once to
/// nearest-even, keeps subnormals, and cannot be contracted into a fused multiply-add by the assembler.
/// </summary>
internal readonly struct PtxDeviceArithmetic : IDeviceArithmetic
{
    public float Apply(float a, float b, float c) => default(PtxFusedMultiplyAdd).Apply(a, b, c);

    public float Chain4(float c, float a0, float b0, float a1, float b1, float a2, float b2, float a3, float b3) =>
        default(PtxFusedMultiplyAdd).Chain4(c, a0, b0, a1, b1, a2, b2, a3, b3);

    public float Add(float a, float b)
    {
        CudaAsm.Emit("add.rn.f32 %0, %1, %2;", out float result, a, b);
        return result;
    }

    public float Sub(float a, float b)
    {
        CudaAsm.Emit("sub.rn.f32 %0, %1, %2;", out float result, a, b);
        return result;
    }

    public float Mul(float a, float b)
    {
        CudaAsm.Emit("mul.rn.f32 %0, %1, %2;", out float result, a, b);
        return result;
    }

    public double Add(double a, double b)
    {
        CudaAsm.Emit("add.rn.f64 %0, %1, %2;", out double result, a, b);
        return result;
    }

    public double Sub(double a, double b)
    {
        CudaAsm.Emit("sub.rn.f64 %0, %1, %2;", out double result, a, b);
        return result;
    }

    public double Mul(double a, double b)
    {
        CudaAsm.Emit("mul.rn.f64 %0, %1, %2;", out double result, a, b);
        return result;
    }
}
