namespace CpuLinear.Gpu;

/// <summary>The CPU accelerator's arithmetic: the kernel runs as .NET code, whose operators round each operation once.</summary>
internal readonly struct CpuDeviceArithmetic : IDeviceArithmetic
{
    public float Apply(float a, float b, float c) => MathF.FusedMultiplyAdd(a, b, c);

    public float Chain4(float c, float a0, float b0, float a1, float b1, float a2, float b2, float a3, float b3) =>
        MathF.FusedMultiplyAdd(a3, b3, MathF.FusedMultiplyAdd(a2, b2, MathF.FusedMultiplyAdd(a1, b1, MathF.FusedMultiplyAdd(a0, b0, c))));

    public float Add(float a, float b) => a + b;

    public float Sub(float a, float b) => a - b;

    public float Mul(float a, float b) => a * b;

    public double Add(double a, double b) => a + b;

    public double Sub(double a, double b) => a - b;

    public double Mul(double a, double b) => a * b;
}
