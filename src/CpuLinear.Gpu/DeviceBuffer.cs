namespace CpuLinear.Gpu;

/// <summary>A reusable device buffer of floats (the element type of every tensor the backend holds).</summary>
internal sealed class DeviceBuffer(DeviceMemoryPool pool, string name) : DeviceBuffer<float>(pool, name);
