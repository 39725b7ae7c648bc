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
    private readonly List<DeviceBuffer> _buffers = [];

    /// <summary>Bytes this pool may hold on the device.</summary>
    public long BudgetBytes { get; } = budgetBytes;

    /// <summary>Bytes held now.</summary>
    public long AllocatedBytes => _buffers.Sum(b => b.CapacityBytes);

    /// <summary>Device allocations made so far: steady-state calls of the same size add none.</summary>
    public int AllocationCount { get; private set; }

    /// <summary>The device, in words, for error messages.</summary>
    public string Device { get; } = device;

    /// <summary>A named buffer of this pool, empty until first used.</summary>
    public DeviceBuffer Create(string name)
    {
        var buffer = new DeviceBuffer(this, name);
        _buffers.Add(buffer);
        return buffer;
    }

    /// <summary>Bytes held by buffers other than <paramref name="involved"/>: what a plan must leave alone.</summary>
    public long BytesOutside(params DeviceBuffer[] involved) =>
        _buffers.Where(b => Array.IndexOf(involved, b) < 0).Sum(b => b.CapacityBytes);

    public void Dispose()
    {
        foreach (DeviceBuffer buffer in _buffers)
        {
            buffer.Release();
        }
    }

    internal MemoryBuffer1D<float, Stride1D.Dense> Allocate(DeviceBuffer buffer, long length)
    {
        long bytes = length * sizeof(float);
        long after = AllocatedBytes - buffer.CapacityBytes + bytes;
        if (after > BudgetBytes)
        {
            throw new DeviceMemoryExceededException(
                $"The {buffer.Name} buffer ({length} floats, with {DeviceMemoryExceededException.FormatBytes(AllocatedBytes - buffer.CapacityBytes)} already held)",
                after, BudgetBytes, Device);
        }

        // Free the old buffer first so growing never needs both at once.
        buffer.Release();
        try
        {
            MemoryBuffer1D<float, Stride1D.Dense> allocated = accelerator.Allocate1D<float>(length);
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

/// <summary>One reusable device buffer of floats; grows (never shrinks) to the largest length asked for.</summary>
internal sealed class DeviceBuffer(DeviceMemoryPool pool, string name)
{
    private MemoryBuffer1D<float, Stride1D.Dense>? _buffer;

    /// <summary>What the buffer holds, for error messages.</summary>
    public string Name { get; } = name;

    /// <summary>Bytes allocated now.</summary>
    public long CapacityBytes => (_buffer?.Length ?? 0) * sizeof(float);

    /// <summary>The first <paramref name="length"/> floats, allocating or growing the buffer when it is too small.</summary>
    public ArrayView<float> View(long length)
    {
        // A zero-length buffer still gets one float: kernels take a view even when they never read it.
        long needed = Math.Max(1, length);
        if (_buffer is null || _buffer.Length < needed)
        {
            _buffer = pool.Allocate(this, needed);
        }

        return _buffer.View.SubView(0, length);
    }

    /// <summary>Uploads <paramref name="source"/> into the buffer's first floats and returns that view.</summary>
    public ArrayView<float> Upload(ReadOnlySpan<float> source)
    {
        ArrayView<float> view = View(source.Length);
        if (!source.IsEmpty)
        {
            view.CopyFromCPU(source);
        }

        return view;
    }

    internal void Release()
    {
        _buffer?.Dispose();
        _buffer = null;
    }
}
