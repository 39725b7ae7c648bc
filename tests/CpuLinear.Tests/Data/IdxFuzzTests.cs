using System.Diagnostics;
using CpuLinear.Data;

namespace CpuLinear.Tests.Data;

/// <summary>
/// Truncated and bit-flipped IDX files, raw and gzip, from a fixed seed: every one must either load or fail
/// with <see cref="IdxFormatException"/>, quickly and without large allocations.
/// </summary>
public sealed class IdxFuzzTests : IDisposable
{
    private readonly IdxTestFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public void Corrupted_files_load_or_fail_cleanly()
    {
        var random = new Random(20250917); // seeded: the same corruptions every run
        byte[] images = IdxTestFiles.Images(40, 7, 5);
        byte[] labels = IdxTestFiles.Labels(40);
        byte[][] originals = [images, labels, IdxTestFiles.Gzip(images), IdxTestFiles.Gzip(labels)];
        string goodImages = _files.Write("good-images", images);
        string goodLabels = _files.Write("good-labels", labels);
        int loaded = 0, rejected = 0;
        long worstAllocation = 0;
        var clock = Stopwatch.StartNew();

        for (int iteration = 0; iteration < 4000; iteration++)
        {
            int which = iteration % 4;
            byte[] corrupt = (byte[])originals[which].Clone();
            if (random.Next(3) == 0)
            {
                Array.Resize(ref corrupt, random.Next(corrupt.Length));
            }
            else
            {
                int flips = 1 + random.Next(4);
                for (int f = 0; f < flips; f++)
                {
                    // Half the flips hit the 16-byte header region, where sizes live.
                    int at = random.Next(2) == 0 ? random.Next(Math.Min(16, corrupt.Length)) : random.Next(corrupt.Length);
                    corrupt[at] ^= (byte)(1 << random.Next(8));
                }
            }

            string path = _files.Write("fuzz", corrupt);
            bool isImages = which % 2 == 0;
            long before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                using LabeledImages data = isImages ? IdxReader.Load(path, goodLabels) : IdxReader.Load(goodImages, path);
                Assert.Equal(data.Count * data.Features, data.Pixels.Length);
                loaded++;
            }
            catch (IdxFormatException ex)
            {
                Assert.Contains(ex.FilePath, ex.Message);
                Assert.Contains("expected", ex.Message);
                rejected++;
            }

            worstAllocation = Math.Max(worstAllocation, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        Assert.Equal(4000, loaded + rejected);
        Assert.True(rejected > 2000, $"only {rejected} rejected");
        Assert.True(loaded > 100, $"only {loaded} loaded: pixel flips should still load");
        // The valid files need ~6 KB of floats; anything near a megabyte means a corrupt header was trusted.
        Assert.True(worstAllocation < 1 << 20, $"one load allocated {worstAllocation} bytes");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"took {clock.Elapsed}");
    }
}
