using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace CpuLinear.Cluster;

/// <summary>The hash every node reports of its θ: the first 8 bytes of the SHA-256 of θ's float32 bits.</summary>
public static class ThetaHash
{
    /// <summary>The hash of <paramref name="theta"/>.</summary>
    public static ulong Of(ReadOnlySpan<float> theta)
    {
        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(MemoryMarshal.AsBytes(theta), digest);
        return BitConverter.ToUInt64(digest);
    }
}
