package io.canopy.tools.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.canopy.client.CanopyClient;
import io.canopy.message.Message;
import io.canopy.module.Payloads;
import io.canopy.module.RpcException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.Function;

/**
 * Many requests to one service from one command, pipelined on the one connection: up to
 * {@link #WINDOW} in flight, answers taken in the order the requests were made. One process and
 * one connection instead of one JVM per job is what makes {@code submit --cc=1-1000} and
 * {@code cancel --all} fast: the JVM's start costs a third of a second, a request a fraction of a
 * millisecond, and the job manager commits a burst of submissions together.
 */
final class Bulk {
    /** Requests in flight at once: enough to keep the job manager's group commit full, not a flood. */
    static final int WINDOW = 256;

    /** One request's outcome: the answer, or the error. */
    record Outcome<T>(T item, JsonNode answer, RpcException error) {}

    private Bulk() {}

    /**
     * Sends {@code topic} to {@code nodeid} for each item with the body {@code body} makes, and
     * hands each outcome to {@code each} in the items' order.
     */
    static <T> void run(CanopyClient client, String topic, int nodeid, List<T> items, Function<T, Object> body,
            java.util.function.Consumer<Outcome<T>> each) {
        ArrayDeque<CompletableFuture<Message>> flying = new ArrayDeque<>();
        ArrayDeque<T> flyingItems = new ArrayDeque<>();
        for (T item : items) {
            if (flying.size() >= WINDOW) {
                each.accept(take(flying.poll(), flyingItems.poll()));
            }
            flying.add(client.send(topic, nodeid, body.apply(item)));
            flyingItems.add(item);
        }
        while (!flying.isEmpty()) {
            each.accept(take(flying.poll(), flyingItems.poll()));
        }
    }

    private static <T> Outcome<T> take(CompletableFuture<Message> f, T item) {
        try {
            return new Outcome<>(item, Payloads.tree(f.get().payload()), null);
        } catch (ExecutionException e) {
            RpcException r = e.getCause() instanceof RpcException x ? x
                    : new RpcException(io.canopy.message.Errno.EIO, String.valueOf(e.getCause()));
            return new Outcome<>(item, null, r);
        } catch (RpcException e) {
            return new Outcome<>(item, null, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Outcome<>(item, null, new RpcException(io.canopy.message.Errno.ECANCELED, "interrupted"));
        }
    }

    /** Splits a line into words as a shell would for simple cases: blanks, 'single' and "double" quotes, \\ escapes. */
    static List<String> words(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder w = new StringBuilder();
        boolean inWord = false;
        char quote = 0;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                } else if (c == '\\' && quote == '"' && i + 1 < line.length()) {
                    w.append(line.charAt(++i));
                } else {
                    w.append(c);
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
                inWord = true;
            } else if (c == '\\' && i + 1 < line.length()) {
                w.append(line.charAt(++i));
                inWord = true;
            } else if (Character.isWhitespace(c)) {
                if (inWord) {
                    out.add(w.toString());
                    w.setLength(0);
                    inWord = false;
                }
            } else {
                w.append(c);
                inWord = true;
            }
        }
        if (quote != 0) {
            throw new IllegalArgumentException("unterminated " + quote + " quote in: " + line);
        }
        if (inWord) {
            out.add(w.toString());
        }
        return out;
    }
}
