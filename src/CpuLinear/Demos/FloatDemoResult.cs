using CpuLinear.Numerics;

namespace CpuLinear.Demos;

/// <summary>One expression of <see cref="FloatDemo"/> evaluated under one float mode.</summary>
/// <param name="Expression">The expression, e.g. <c>(a+b)·c</c>.</param>
/// <param name="Inputs">The inputs in words, e.g. <c>a = 0.4·min, b = 0.5·min, c = 1/min</c>.</param>
/// <param name="Mode">The float mode it was evaluated under.</param>
/// <param name="Value">The float32 result.</param>
/// <param name="Source">Whether the hardware or the software flush computed it.</param>
public sealed record FloatDemoResult(string Expression, string Inputs, FloatMode Mode, float Value, FloatDemoSource Source)
{
    /// <summary>The IEEE 754 bit pattern of <see cref="Value"/>.</summary>
    public uint Bits => BitConverter.SingleToUInt32Bits(Value);

    /// <summary><see cref="Bits"/> as <c>0x........</c>.</summary>
    public string Hex => $"0x{Bits:X8}";

    /// <summary><see cref="Value"/> in round-trip ("R") format, so equal text means equal bits (up to NaN payloads).</summary>
    public string Text => Value.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
}
