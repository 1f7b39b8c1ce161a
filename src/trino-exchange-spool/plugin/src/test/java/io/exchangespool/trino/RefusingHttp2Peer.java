package io.exchangespool.trino;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http2.AbstractHttp2ConnectionHandlerBuilder;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2ConnectionDecoder;
import io.netty.handler.codec.http2.Http2ConnectionEncoder;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameAdapter;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Settings;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Just enough of an HTTP/2 gRPC server to refuse a stream: the first WriteSink stream is answered
 * with RST_STREAM(REFUSED_STREAM) once a given number of gRPC messages arrived on it (a server may
 * refuse a stream it has not processed however much of it was in flight), which grpc-java, when its
 * retries are on, answers by replaying the call on a new stream. Every WriteSink stream's messages
 * are recorded as received; a WriteSink stream that ends is answered with an empty SinkResult, and
 * any other call (AbortSink, ...) with UNIMPLEMENTED.
 */
final class RefusingHttp2Peer
        implements Closeable
{
    private static final String WRITE_SINK = "/exchangespool.v1.ExchangeSpool/WriteSink";

    private final int messagesBeforeRefusal;
    private final EventLoopGroup group = new NioEventLoopGroup(1);
    private final Channel server;
    // guarded by this
    private final List<Recorded> writeSinkStreams = new ArrayList<>();

    RefusingHttp2Peer(int messagesBeforeRefusal)
            throws InterruptedException
    {
        this.messagesBeforeRefusal = messagesBeforeRefusal;
        server = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>()
                {
                    @Override
                    protected void initChannel(SocketChannel channel)
                    {
                        channel.pipeline().addLast(new PeerHandlerBuilder().build());
                    }
                })
                .bind("127.0.0.1", 0)
                .sync()
                .channel();
    }

    /** host:port, as exchange.spool.address takes it. */
    String address()
    {
        return "127.0.0.1:" + ((InetSocketAddress) server.localAddress()).getPort();
    }

    /** The gRPC messages of each WriteSink stream, in the order the streams were opened. */
    synchronized List<List<byte[]>> writeSinkMessages()
    {
        return writeSinkStreams.stream().map(Recorded::messages).toList();
    }

    /** Whether the first WriteSink stream was refused. */
    synchronized boolean refused()
    {
        return !writeSinkStreams.isEmpty() && writeSinkStreams.get(0).refused;
    }

    @Override
    public void close()
    {
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** The bytes a WriteSink stream brought, as gRPC length-prefixed messages. */
    private static final class Recorded
    {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private boolean refused;

        List<byte[]> messages()
        {
            List<byte[]> messages = new ArrayList<>();
            ByteBuffer buffer = ByteBuffer.wrap(bytes.toByteArray());
            while (buffer.remaining() >= 5) {
                buffer.get();
                int length = buffer.getInt();
                if (buffer.remaining() < length) {
                    break;
                }
                byte[] message = new byte[length];
                buffer.get(message);
                messages.add(message);
            }
            return messages;
        }
    }

    private final class PeerHandler
            extends Http2ConnectionHandler
    {
        private final Map<Integer, Recorded> streams = new HashMap<>();

        private PeerHandler(Http2ConnectionDecoder decoder, Http2ConnectionEncoder encoder, Http2Settings settings)
        {
            super(decoder, encoder, settings);
        }

        private void onHeaders(ChannelHandlerContext context, int streamId, Http2Headers headers, boolean endStream)
        {
            if (WRITE_SINK.contentEquals(headers.path())) {
                Recorded recorded = new Recorded();
                synchronized (RefusingHttp2Peer.this) {
                    writeSinkStreams.add(recorded);
                }
                streams.put(streamId, recorded);
            }
            else if (endStream) {
                answer(context, streamId, null, 12);
            }
        }

        private int onData(ChannelHandlerContext context, int streamId, ByteBuf data, int padding, boolean endOfStream)
        {
            int processed = data.readableBytes() + padding;
            Recorded recorded = streams.get(streamId);
            if (recorded == null) {
                if (endOfStream) {
                    answer(context, streamId, null, 12);
                }
                return processed;
            }
            boolean refuse;
            synchronized (RefusingHttp2Peer.this) {
                byte[] chunk = new byte[data.readableBytes()];
                data.readBytes(chunk);
                recorded.bytes.writeBytes(chunk);
                refuse = recorded == writeSinkStreams.get(0) && !recorded.refused && recorded.messages().size() >= messagesBeforeRefusal;
                recorded.refused |= refuse;
            }
            if (refuse) {
                encoder().writeRstStream(context, streamId, Http2Error.REFUSED_STREAM.code(), context.newPromise());
                context.flush();
            }
            else if (endOfStream) {
                // An empty SinkResult: [not compressed][length 0].
                answer(context, streamId, Unpooled.wrappedBuffer(new byte[5]), 0);
            }
            return processed;
        }

        private void answer(ChannelHandlerContext context, int streamId, ByteBuf message, int grpcStatus)
        {
            Http2Headers headers = new DefaultHttp2Headers().status("200").set("content-type", "application/grpc");
            if (message == null) {
                encoder().writeHeaders(context, streamId, headers.setInt("grpc-status", grpcStatus), 0, true, context.newPromise());
            }
            else {
                encoder().writeHeaders(context, streamId, headers, 0, false, context.newPromise());
                encoder().writeData(context, streamId, message, 0, false, context.newPromise());
                encoder().writeHeaders(context, streamId, new DefaultHttp2Headers().setInt("grpc-status", grpcStatus), 0, true, context.newPromise());
            }
            context.flush();
        }
    }

    private final class PeerHandlerBuilder
            extends AbstractHttp2ConnectionHandlerBuilder<PeerHandler, PeerHandlerBuilder>
    {
        @Override
        public PeerHandler build()
        {
            return super.build();
        }

        @Override
        protected PeerHandler build(Http2ConnectionDecoder decoder, Http2ConnectionEncoder encoder, Http2Settings settings)
        {
            PeerHandler handler = new PeerHandler(decoder, encoder, settings);
            frameListener(new Http2FrameAdapter()
            {
                @Override
                public void onHeadersRead(ChannelHandlerContext context, int streamId, Http2Headers headers, int padding, boolean endStream)
                {
                    handler.onHeaders(context, streamId, headers, endStream);
                }

                @Override
                public void onHeadersRead(ChannelHandlerContext context, int streamId, Http2Headers headers, int streamDependency, short weight, boolean exclusive, int padding, boolean endStream)
                {
                    handler.onHeaders(context, streamId, headers, endStream);
                }

                @Override
                public int onDataRead(ChannelHandlerContext context, int streamId, ByteBuf data, int padding, boolean endOfStream)
                {
                    return handler.onData(context, streamId, data, padding, endOfStream);
                }
            });
            return handler;
        }
    }
}
