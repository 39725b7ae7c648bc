using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace CpuLinear.Cluster;

/// <summary>
/// HMAC-SHA256 of every cluster message under a shared secret: a process that does not know the secret cannot
/// give a silo work, replace its replica, or inject fitnesses into the coordinator.
/// </summary>
public sealed class MessageAuthenticator
{
    private readonly byte[] _key;

    /// <summary>An authenticator for <paramref name="secret"/> (empty: messages are checked against the empty key, for loopback-only runs).</summary>
    public MessageAuthenticator(string secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        _key = Encoding.UTF8.GetBytes(secret);
    }

    /// <summary>Sets the order's MAC.</summary>
    public WorkOrder Sign(WorkOrder order)
    {
        ArgumentNullException.ThrowIfNull(order);
        order.Mac = Mac(Bytes(order));
        return order;
    }

    /// <summary>Sets the reply's MAC.</summary>
    public WorkReply Sign(WorkReply reply)
    {
        ArgumentNullException.ThrowIfNull(reply);
        reply.Mac = Mac(Bytes(reply));
        return reply;
    }

    /// <summary>Sets the sync message's MAC.</summary>
    public ReplicaSync Sign(ReplicaSync sync)
    {
        ArgumentNullException.ThrowIfNull(sync);
        sync.Mac = Mac(Bytes(sync));
        return sync;
    }

    /// <summary>Whether the order's MAC is right.</summary>
    public bool Verify(WorkOrder order) => order is not null && Equal(order.Mac, Bytes(order));

    /// <summary>Whether the reply's MAC is right.</summary>
    public bool Verify(WorkReply reply) => reply is not null && Equal(reply.Mac, Bytes(reply));

    /// <summary>Whether the sync message's MAC is right.</summary>
    public bool Verify(ReplicaSync sync) => sync is not null && Equal(sync.Mac, Bytes(sync));

    private bool Equal(byte[]? mac, byte[] message) => mac is not null && CryptographicOperations.FixedTimeEquals(mac, Mac(message));

    private byte[] Mac(byte[] message) => HMACSHA256.HashData(_key, message);

    private static byte[] Bytes(WorkOrder o)
    {
        using var w = new Writer("order");
        w.Text(o.RunId).Long(o.Generation).Doubles(o.PreviousFitness).Long((long)o.ThetaHash).Long(o.FirstPair).Long(o.PairCount);
        return w.ToArray();
    }

    private static byte[] Bytes(WorkReply r)
    {
        using var w = new Writer("reply");
        w.Text(r.RunId).Long(r.Generation).Long(r.FirstPair).Long(r.PairCount).Long((long)r.Status).Doubles(r.Fitness)
            .Long((long)r.ThetaHash).Long(BitConverter.DoubleToInt64Bits(r.ComputeSeconds)).Text(r.Message);
        return w.ToArray();
    }

    private static byte[] Bytes(ReplicaSync s)
    {
        using var w = new Writer("sync");
        w.Text(s.RunId).Text(s.Dataset).Raw(s.Checkpoint);
        return w.ToArray();
    }

    // Length-prefixed fields, so no two messages encode to the same bytes.
    private sealed class Writer : IDisposable
    {
        private readonly MemoryStream _stream = new();

        public Writer(string kind) => Text(kind);

        public Writer Text(string? text) => Raw(text is null ? null : Encoding.UTF8.GetBytes(text));

        public Writer Long(long value)
        {
            Span<byte> bytes = stackalloc byte[8];
            BinaryPrimitives.WriteInt64LittleEndian(bytes, value);
            _stream.Write(bytes);
            return this;
        }

        public Writer Doubles(double[]? values)
        {
            Long(values?.Length ?? -1);
            foreach (double v in values ?? [])
            {
                Long(BitConverter.DoubleToInt64Bits(v));
            }

            return this;
        }

        public Writer Raw(byte[]? bytes)
        {
            Long(bytes?.Length ?? -1);
            _stream.Write(bytes ?? []);
            return this;
        }

        public byte[] ToArray() => _stream.ToArray();

        public void Dispose() => _stream.Dispose();
    }
}
