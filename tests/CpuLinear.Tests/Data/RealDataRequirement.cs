using CpuLinear.Data;

namespace CpuLinear.Tests.Data;

/// <summary>
/// Real-data tests load through the same catalogue the commands use, fetching into the cache on first use
/// (checksums verified; test processes that start at once take turns on the cache's lock file). Data that
/// cannot be had fails the test with the catalogue's own instructions, never a skip.
/// </summary>
internal static class RealDataRequirement
{
    public static DatasetSplits Load(string name, string hint)
    {
        try
        {
            return Datasets.Load(name, new DatasetLoadOptions { Log = TextWriter.Null });
        }
        catch (DatasetUnavailableException ex)
        {
            Assert.Fail($"{hint}{Environment.NewLine}{ex.Message}");
            throw;
        }
    }
}
