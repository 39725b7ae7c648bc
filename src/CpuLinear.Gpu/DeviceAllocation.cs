namespace CpuLinear.Gpu;

/// <summary>One named device allocation of a <see cref="DeviceMemoryPool"/>, whatever its element type.</summary>
internal abstract class DeviceAllocation(string name)
{
    /// <summary>What the buffer holds, for error messages.</summary>
    public string Name { get; } = name;

    /// <summary>Bytes allocated now.</summary>
    public abstract long CapacityBytes { get; }

    /// <summary>Frees the device memory (the buffer is empty again).</summary>
    internal abstract void Release();
}
