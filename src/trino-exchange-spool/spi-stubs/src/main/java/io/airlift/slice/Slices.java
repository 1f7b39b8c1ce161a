package io.airlift.slice;

import java.nio.charset.StandardCharsets;

public final class Slices
{
    public static final Slice EMPTY_SLICE = new Slice(new byte[0], 0, 0);

    private Slices() {}

    public static Slice wrappedBuffer(byte[] array)
    {
        return new Slice(array, 0, array.length);
    }

    public static Slice wrappedBuffer(byte[] array, int offset, int length)
    {
        return new Slice(array, offset, length);
    }

    public static Slice utf8Slice(String string)
    {
        return wrappedBuffer(string.getBytes(StandardCharsets.UTF_8));
    }

    public static Slice allocate(int capacity)
    {
        return capacity == 0 ? EMPTY_SLICE : new Slice(new byte[capacity], 0, capacity);
    }
}
