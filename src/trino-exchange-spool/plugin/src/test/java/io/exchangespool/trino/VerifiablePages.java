package io.exchangespool.trino;

import io.airlift.slice.Slice;
import io.airlift.slice.Slices;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Random;

/**
 * Pages whose bytes say what they must be: a header of [int64 id][int32 length] and then bytes of
 * one random array from an offset the id picks. Any page read back can be checked on its own,
 * whoever wrote it, without keeping the written bytes.
 */
final class VerifiablePages
{
    static final int HEADER_SIZE = Long.BYTES + Integer.BYTES;

    private static final byte[] NOISE = new byte[1 << 20];

    static {
        new Random(20261201).nextBytes(NOISE);
    }

    private VerifiablePages() {}

    static Slice page(long id, int length)
    {
        if (length < HEADER_SIZE) {
            throw new IllegalArgumentException("a page needs at least " + HEADER_SIZE + " bytes");
        }
        byte[] bytes = new byte[length];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(id).putInt(length);
        int noise = noiseOffset(id);
        for (int position = HEADER_SIZE; position < length; ) {
            int chunk = Math.min(length - position, NOISE.length - noise);
            System.arraycopy(NOISE, noise, bytes, position, chunk);
            position += chunk;
            noise = 0;
        }
        return Slices.wrappedBuffer(bytes);
    }

    /** The page's id, after checking every byte against it. */
    static long verify(Slice page)
    {
        byte[] bytes = page.byteArray();
        int offset = page.byteArrayOffset();
        if (page.length() < HEADER_SIZE) {
            throw new AssertionError("a page of %s bytes is shorter than any written".formatted(page.length()));
        }
        ByteBuffer header = ByteBuffer.wrap(bytes, offset, HEADER_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        long id = header.getLong();
        int length = header.getInt();
        if (length != page.length()) {
            throw new AssertionError("page %s was written with %s bytes and read with %s".formatted(id, length, page.length()));
        }
        int noise = noiseOffset(id);
        for (int position = HEADER_SIZE; position < length; ) {
            int chunk = Math.min(length - position, NOISE.length - noise);
            if (!Arrays.equals(NOISE, noise, noise + chunk, bytes, offset + position, offset + position + chunk)) {
                throw new AssertionError("page %s differs from what was written within bytes [%s, %s)".formatted(id, position, position + chunk));
            }
            position += chunk;
            noise = 0;
        }
        return id;
    }

    private static int noiseOffset(long id)
    {
        return (int) Math.floorMod(id * 0x9E3779B97F4A7C15L, (long) NOISE.length);
    }
}
