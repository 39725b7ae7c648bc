using ILGPU;
using ILGPU.Runtime;

namespace CpuLinear.Gpu;

/// <summary>One reusable device buffer of <typeparamref name="T"/>; grows (never shrinks) to the largest length asked for.</summary>
internal class DeviceBuffer<T>(DeviceMemoryPool pool, string name) : DeviceAllocation(name)
    where T : unmanaged
{
    private MemoryBuffer1D<T, Stride1D.Dense>? _buffer;

    /// <inheritdoc />
    public override unsafe long CapacityBytes => (_buffer?.Length ?? 0) * sizeof(T);

    /// <summary>The first <paramref name="length"/> values, allocating or growing the buffer when it is too small.</summary>
    public ArrayView<T> View(long length)
    {
        // A zero-length buffer still gets one value: kernels take a view even when they never read it.
        long needed = Math.Max(1, length);
        if (_buffer is null || _buffer.Length < needed)
        {
            _buffer = pool.Allocate<T>(this, needed);
        }

        return _buffer.View.SubView(0, length);
    }

    /// <summary>Uploads <paramref name="source"/> into the buffer's first values and returns that view.</summary>
    public ArrayView<T> Upload(ReadOnlySpan<T> source)
    {
        ArrayView<T> view = View(source.Length);
        if (!source.IsEmpty)
        {
            view.CopyFromCPU(source);
        }

        return view;
    }

    internal override void Release()
    {
        _buffer?.Dispose();
        _buffer = null;
    }
}
