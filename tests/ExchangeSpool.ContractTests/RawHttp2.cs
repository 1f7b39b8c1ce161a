using System.Net.Sockets;
using System.Text;

namespace ExchangeSpool.ContractTests;

/// <summary>A client that breaks HTTP/2 on purpose, so the server's answer to a connection error can be seen.</summary>
public static class RawHttp2
{
    private const byte FrameData = 0x0;
    private const byte FrameSettings = 0x4;
    private const byte FrameGoAway = 0x7;
    private const int FrameHeaderSize = 9;

    /// <summary>
    /// Sends a DATA frame on a stream that was never opened (a connection error, RFC 9113 5.1) and
    /// returns once the server answered with GOAWAY or closed the connection.
    /// </summary>
    public static async Task SendDataOnIdleStreamAsync(Uri server)
    {
        using var socket = new TcpClient();
        await socket.ConnectAsync(server.Host, server.Port);
        var stream = socket.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"));
        await stream.WriteAsync(Frame(FrameSettings, streamId: 0, payload: []));
        await stream.WriteAsync(Frame(FrameData, streamId: 1, payload: new byte[10]));
        var header = new byte[FrameHeaderSize];
        while (await ReadExactlyOrEndAsync(stream, header))
        {
            var length = (header[0] << 16) | (header[1] << 8) | header[2];
            if (header[3] == FrameGoAway)
                return;
            if (!await ReadExactlyOrEndAsync(stream, new byte[length]))
                return;
        }
    }

    private static byte[] Frame(byte type, int streamId, byte[] payload)
    {
        var frame = new byte[FrameHeaderSize + payload.Length];
        frame[0] = (byte)(payload.Length >> 16);
        frame[1] = (byte)(payload.Length >> 8);
        frame[2] = (byte)payload.Length;
        frame[3] = type;
        frame[5] = (byte)(streamId >> 24);
        frame[6] = (byte)(streamId >> 16);
        frame[7] = (byte)(streamId >> 8);
        frame[8] = (byte)streamId;
        payload.CopyTo(frame, FrameHeaderSize);
        return frame;
    }

    private static async Task<bool> ReadExactlyOrEndAsync(NetworkStream stream, byte[] buffer)
    {
        try
        {
            await stream.ReadExactlyAsync(buffer).AsTask().WaitAsync(EngineDriver.Patience);
            return true;
        }
        catch (Exception e) when (e is EndOfStreamException or IOException)
        {
            return false;
        }
    }
}
