namespace ModelOpt.Engine.IR;

/// <summary>Where an external tensor's bytes are: a file beside the model, an offset and a length.</summary>
public sealed record ExternalDataRef(string FullPath, string Location, long Offset, long Length)
{
    /// <summary>Reads the bytes; called at most once per tensor, the first time its values are needed.</summary>
    public byte[] Read()
    {
        using var handle = File.OpenHandle(FullPath, FileMode.Open, FileAccess.Read, FileShare.Read);
        var buffer = new byte[Length];
        long done = 0;
        while (done < Length)
        {
            int n = RandomAccess.Read(handle, buffer.AsSpan((int)done), Offset + done);
            if (n == 0) throw new EndOfStreamException($"External data file '{FullPath}' ends before offset {Offset + Length}.");
            done += n;
        }
        return buffer;
    }
}
