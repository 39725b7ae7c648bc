using CpuLinear.Backends;
using ILGPU;
using ILGPU.Runtime;

namespace CpuLinear.Gpu;

/// <summary>
/// The device memory a backend holds: a fixed set of named buffers, each allocated once and reallocated only
/// when a larger problem arrives, all counted against one budget so a problem that cannot fit fails with
/// a message naming the size instead of a driver error in the middle of a run.
/// </summary>
internal sealed class DeviceMemoryPool(Accelerator accelerator, long budgetBytes, string device) : IDisposable
{
    private readonly List<DeviceAllocation> _buffers = [];

    /// <summary>Bytes this pool may hold on the device.</summary>
    public long BudgetBytes { get; } = budgetBytes;

    /// <summary>Bytes held now.</summary>
    public long AllocatedBytes => _buffers.Sum(b => b.CapacityBytes);

    /// <summary>Device allocations made so far: steady-state calls of the same size add none.</summary>
    public int AllocationCount { get; private set; }

    /// <summary>The device, in words, for error messages.</summary>
    public string Device { get; } = device;

    /// <summary>A named buffer of floats of this pool, empty until first used.</summary>
    public DeviceBuffer Create(string name)
    {
        var buffer = new DeviceBuffer(this, name);
        _buffers.Add(buffer);
        return buffer;
    }

    /// <summary>A named buffer of <typeparamref name="T"/> of this pool, empty until first used.</summary>
    public DeviceBuffer<T> Create<T>(string name)
        where T : unmanaged
    {
        var buffer = new DeviceBuffer<T>(this, name);
        _buffers.Add(buffer);
        return buffer;
    }

    /// <summary>Bytes held by buffers other than <paramref name="involved"/>: what a plan must leave alone.</summary>
    public long BytesOutside(params DeviceAllocation[] involved) =>
        _buffers.Where(b => Array.IndexOf(involved, b) < 0).Sum(b => b.CapacityBytes);

    /// <summary>Forgets <paramref name="buffers"/> (released first): a user of the pool that ends before it, such as one ES session on a backend.</summary>
    public void Remove(IEnumerable<DeviceAllocation> buffers)
    {
        foreach (DeviceAllocation buffer in buffers)
        {
            buffer.Release();
            _buffers.Remove(buffer);
        }
    }

    public void Dispose()
    {
        foreach (DeviceAllocation buffer in _buffers)
        {
            buffer.Release();
        }
    }

    internal unsafe MemoryBuffer1D<T, Stride1D.Dense> Allocate<T>(DeviceAllocation buffer, long length)
        where T : unmanaged
    {
        long bytes = length * sizeof(T);
        long after = AllocatedBytes - buffer.CapacityBytes + bytes;
        if (after > BudgetBytes)
        {
            throw new DeviceMemoryExceededException(
                $"The {buffer.Name} buffer ({length} values, {DeviceMemoryExceededException.FormatBytes(bytes)}, with {DeviceMemoryExceededException.FormatBytes(AllocatedBytes - buffer.CapacityBytes)} already held)",
                after, BudgetBytes, Device);
        }

        // Free the old buffer first so growing never needs both at once.
        buffer.Release();
        try
        {
            MemoryBuffer1D<T, Stride1D.Dense> allocated = accelerator.Allocate1D<T>(length);
            AllocationCount++;
            return allocated;
        }
        catch (Exception ex) when (ex is OutOfMemoryException or AcceleratorException)
        {
            throw new DeviceMemoryExceededException(
                $"Allocating the {buffer.Name} buffer ({DeviceMemoryExceededException.FormatBytes(bytes)}) on {Device} failed although it is within the budget of {DeviceMemoryExceededException.FormatBytes(BudgetBytes)}: the device has less free memory than the budget assumes.",
                ex);
        }
    }
}
