using System.ComponentModel;
using System.Diagnostics;
using System.Formats.Tar;

namespace CpuLinear.Data;

/// <summary>
/// Fetches Fashion-MNIST from Debian's package dataset-fashion-mnist without installing it: `apt-get download`
/// puts the .deb in a staging folder (no root needed while apt's package lists know the package; as root the
/// lists are updated first when they do not), and `dpkg-deb --fsys-tarfile` streams its files, of which the
/// four .gz IDX files under usr/share/datasets/fashion-mnist/ are kept. Debian and Ubuntu only: no other
/// package registry carries the IDX files (checked: npm's fashion-mnist@1.1.0 holds 7002 images of one class
/// per JSON file, without the split or the order, so it cannot rebuild the files).
/// </summary>
internal static class DebianPackageFetcher
{
    public const string FashionMnistPackage = "dataset-fashion-mnist";
    internal const string FashionMnistFolder = "usr/share/datasets/fashion-mnist/";

    /// <summary>Downloads, extracts, verifies and installs Fashion-MNIST in the cache.</summary>
    /// <exception cref="DataFetchException">apt-get or dpkg-deb is missing or fails.</exception>
    public static void FetchFashionMnist(string cacheRoot, TextWriter log, TimeSpan timeout)
    {
        KnownDataset dataset = KnownDataset.FashionMnist;
        CacheInstaller.InstallStaged(dataset, cacheRoot, log, (staging, data) =>
        {
            string deb = Download(FashionMnistPackage, staging, log, timeout);
            log.WriteLine($"Extracting {Path.GetFileName(deb)} ...");
            ExtractDataFiles(deb, FashionMnistFolder, data, dataset.Files.Select(f => f.CanonicalName + ".gz").ToHashSet(StringComparer.Ordinal), timeout);
        });
    }

    /// <summary>`apt-get download PACKAGE` in <paramref name="workingDirectory"/>; returns the .deb it wrote.</summary>
    private static string Download(string package, string workingDirectory, TextWriter log, TimeSpan timeout)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new DataFetchException(
                $"Fashion-MNIST is fetched from the Debian package {package} with apt-get, which {RuntimeName()} does not have.");
        }

        log.WriteLine($"Running apt-get download {package} ...");
        (int exit, string errors) = Run("apt-get", ["download", package], workingDirectory, timeout);
        if (exit != 0 && Environment.IsPrivilegedProcess && IsUnknownPackage(errors))
        {
            // A fresh container ships without package lists; root may fetch them, as `apt-get install` would need.
            log.WriteLine($"apt's package lists lack {package}; running apt-get update ...");
            (int updateExit, string updateErrors) = Run("apt-get", ["update"], workingDirectory, timeout);
            if (updateExit != 0)
            {
                throw new DataFetchException($"apt-get update failed with exit code {updateExit}: {Tail(updateErrors)}");
            }

            log.WriteLine($"Running apt-get download {package} ...");
            (exit, errors) = Run("apt-get", ["download", package], workingDirectory, timeout);
        }

        if (exit != 0)
        {
            string hint = IsUnknownPackage(errors) && !Environment.IsPrivilegedProcess
                ? " (apt's package lists lack it: run `sudo apt-get update` once, or `sudo apt-get install " + package + "`)"
                : "";
            throw new DataFetchException($"apt-get download {package} failed with exit code {exit}{hint}: {Tail(errors)}");
        }

        string[] debs = Directory.GetFiles(workingDirectory, "*.deb");
        return debs.Length == 1
            ? debs[0]
            : throw new DataFetchException($"apt-get download {package} left {debs.Length} .deb files in '{workingDirectory}', expected 1.");
    }

    /// <summary>
    /// Copies the regular files <paramref name="folder"/>NAME of the .deb's data archive, for each NAME in
    /// <paramref name="wanted"/>, into <paramref name="destination"/>. Names are matched exactly, so entries
    /// cannot escape the folder.
    /// </summary>
    internal static void ExtractDataFiles(string debPath, string folder, string destination, IReadOnlySet<string> wanted, TimeSpan timeout)
    {
        Directory.CreateDirectory(destination);
        var found = new HashSet<string>(StringComparer.Ordinal);
        ProcessStartInfo start = StartInfo("dpkg-deb", ["--fsys-tarfile", debPath], Path.GetDirectoryName(debPath)!);
        using (Process process = Start(start))
        {
            Task<string> errors = process.StandardError.ReadToEndAsync();
            try
            {
                using var reader = new TarReader(process.StandardOutput.BaseStream, leaveOpen: true);
                while (reader.GetNextEntry() is { } entry)
                {
                    string name = entry.Name.StartsWith("./", StringComparison.Ordinal) ? entry.Name[2..] : entry.Name;
                    if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile)
                        || !name.StartsWith(folder, StringComparison.Ordinal))
                    {
                        continue;
                    }

                    string file = name[folder.Length..];
                    if (wanted.Contains(file) && found.Add(file))
                    {
                        entry.ExtractToFile(Path.Combine(destination, file), overwrite: false);
                    }
                }

                // Let dpkg-deb write the archive's end, so it exits instead of blocking on a full pipe.
                process.StandardOutput.BaseStream.CopyTo(Stream.Null);
            }
            catch (Exception ex)
            {
                // Nobody reads the pipe any more: end dpkg-deb now rather than wait for it.
                process.Kill(entireProcessTree: true);
                if (ex is InvalidDataException or FormatException)
                {
                    throw new DataFetchException($"dpkg-deb --fsys-tarfile '{debPath}' did not give a readable tar archive: {ex.Message}", ex);
                }

                throw;
            }

            if (!process.WaitForExit(timeout))
            {
                process.Kill(entireProcessTree: true);
                throw new DataFetchException($"dpkg-deb --fsys-tarfile '{debPath}' did not finish within {timeout.TotalSeconds:0} s.");
            }

            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                throw new DataFetchException($"dpkg-deb --fsys-tarfile '{debPath}' failed with exit code {process.ExitCode}: {Tail(errors.Result)}");
            }
        }

        string[] missing = wanted.Where(w => !found.Contains(w)).Order(StringComparer.Ordinal).ToArray();
        if (missing.Length > 0)
        {
            throw new DataFetchException($"'{debPath}' lacks {folder}{string.Join($", {folder}", missing)}.");
        }
    }

    /// <summary>Runs a tool to the end with no input; returns its exit code and standard error.</summary>
    private static (int Exit, string Errors) Run(string tool, string[] arguments, string workingDirectory, TimeSpan timeout)
    {
        using Process process = Start(StartInfo(tool, arguments, workingDirectory));
        // Both pipes are drained concurrently: the tool can fill one while we block on the other.
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new DataFetchException($"{tool} {string.Join(' ', arguments)} did not finish within {timeout.TotalSeconds:0} s.");
        }

        process.WaitForExit();
        _ = stdout.Result;
        return (process.ExitCode, stderr.Result);
    }

    private static ProcessStartInfo StartInfo(string tool, string[] arguments, string workingDirectory)
    {
        var start = new ProcessStartInfo(tool)
        {
            WorkingDirectory = workingDirectory,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["DEBIAN_FRONTEND"] = "noninteractive";
        start.Environment["LC_ALL"] = "C"; // apt's messages in English, so "Unable to locate package" is recognised
        return start;
    }

    private static Process Start(ProcessStartInfo start)
    {
        try
        {
            Process process = Process.Start(start) ?? throw new DataFetchException($"{start.FileName} could not be started.");
            process.StandardInput.Close();
            return process;
        }
        catch (Win32Exception ex)
        {
            throw new DataFetchException($"{start.FileName} was not found on PATH ({ex.Message}); Fashion-MNIST is fetched from Debian's package {FashionMnistPackage}, which needs apt-get and dpkg-deb (Debian, Ubuntu).", ex);
        }
    }

    private static bool IsUnknownPackage(string aptErrors) =>
        aptErrors.Contains("Unable to locate package", StringComparison.Ordinal)
        || aptErrors.Contains("has no installation candidate", StringComparison.Ordinal)
        || aptErrors.Contains("Can't select candidate version", StringComparison.Ordinal);

    private static string Tail(string text)
    {
        text = text.Trim();
        return text.Length > 2000 ? text[^2000..] : text;
    }

    private static string RuntimeName() =>
        OperatingSystem.IsWindows() ? "Windows" : OperatingSystem.IsMacOS() ? "macOS" : "this operating system";
}
