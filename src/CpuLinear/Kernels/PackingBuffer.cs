using System.Runtime.InteropServices;

namespace CpuLinear.Kernels;

/// <summary>
/// A 64-byte-aligned native buffer for packed B panels, kept per thread between GEMMs. Evolution strategies run
/// hundreds of single-threaded GEMMs per generation on each worker; allocating and freeing a fresh megabyte for
/// each one made the kernel map, fault in and zero new pages every time.
/// </summary>
internal sealed unsafe class PackingBuffer
{
    // Larger requests are allocated for the one call and freed: a thread should not keep that much for life.
    private const nuint KeepAtMostBytes = 64u << 20;

    [ThreadStatic]
    private static PackingBuffer? t_idle;

    private float* _data;
    private nuint _capacity;

    private PackingBuffer(nuint length)
    {
        _data = (float*)NativeMemory.AlignedAlloc(length * sizeof(float), 64);
        _capacity = length;
    }

    ~PackingBuffer() => NativeMemory.AlignedFree(_data);

    /// <summary>The buffer's memory; valid until <see cref="Return"/>.</summary>
    public float* Data => _data;

    /// <summary>
    /// Takes this thread's idle buffer (grown to at least <paramref name="length"/> floats) or a new one. The slot is
    /// empty until <see cref="Return"/>, so a GEMM started while another is packing on the same thread gets its own.
    /// </summary>
    public static PackingBuffer Rent(nuint length)
    {
        PackingBuffer? buffer = t_idle;
        t_idle = null;
        if (buffer is null)
        {
            return new PackingBuffer(length);
        }

        if (buffer._capacity < length)
        {
            NativeMemory.AlignedFree(buffer._data);
            buffer._data = (float*)NativeMemory.AlignedAlloc(length * sizeof(float), 64);
            buffer._capacity = length;
        }

        return buffer;
    }

    /// <summary>Gives the buffer back to the calling thread for its next GEMM, or frees it if it is large.</summary>
    public void Return()
    {
        if (_capacity * sizeof(float) > KeepAtMostBytes)
        {
            NativeMemory.AlignedFree(_data);
            _data = null;
            _capacity = 0;
            GC.SuppressFinalize(this);
            return;
        }

        t_idle = this;
    }
}
