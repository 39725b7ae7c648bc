namespace CpuLinear.Backends;

/// <summary>
/// A problem does not fit the device's memory budget even in the smallest chunk a backend can split it into.
/// The message names the bytes needed, the budget, and what the memory was for.
/// </summary>
public sealed class DeviceMemoryExceededException : OutOfMemoryException
{
    /// <summary>Creates the exception for <paramref name="requiredBytes"/> needed against <paramref name="budgetBytes"/>.</summary>
    public DeviceMemoryExceededException(string what, long requiredBytes, long budgetBytes, string device)
        : base($"{what} needs {FormatBytes(requiredBytes)} of device memory but the budget on {device} is {FormatBytes(budgetBytes)}.")
    {
        RequiredBytes = requiredBytes;
        BudgetBytes = budgetBytes;
    }

    /// <summary>Creates the exception with a message.</summary>
    public DeviceMemoryExceededException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the underlying failure.</summary>
    public DeviceMemoryExceededException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with a generic message.</summary>
    public DeviceMemoryExceededException()
        : base("The problem does not fit the device's memory.")
    {
    }

    /// <summary>Bytes the smallest chunk of the problem needs.</summary>
    public long RequiredBytes { get; }

    /// <summary>Bytes the backend may use on the device.</summary>
    public long BudgetBytes { get; }

    /// <summary>Bytes with a binary unit, exact bytes in parentheses: "1.50 GiB (1610612736 bytes)".</summary>
    public static string FormatBytes(long bytes)
    {
        string[] units = ["bytes", "KiB", "MiB", "GiB", "TiB"];
        double value = bytes;
        int unit = 0;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }

        return unit == 0
            ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{bytes} bytes")
            : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{value:F2} {units[unit]} ({bytes} bytes)");
    }
}
