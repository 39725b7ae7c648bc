using CpuLinear.Data;

namespace CpuLinear.Tests.Data;

/// <summary>
/// Real-data tests load through the same catalogue the trainers use, with fetching turned off; absent data
/// fails the test with the catalogue's own instructions (never a skip), and CI fetches first.
/// </summary>
internal static class RealDataRequirement
{
    public static DatasetSplits Load(string name, string hint)
    {
        try
        {
            return Datasets.Load(name, new DatasetLoadOptions { AutoFetch = false, Log = TextWriter.Null });
        }
        catch (DatasetUnavailableException ex)
        {
            Assert.Fail($"{hint}{Environment.NewLine}{ex.Message}");
            throw;
        }
    }
}
