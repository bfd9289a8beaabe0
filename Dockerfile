FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
# The service (src/ into dist/, tsc) and the demo page (web/ into dist/web, Vite) are built
# here, then the build tools are dropped from the image.
RUN npm run build && npm prune --omit=dev
# NODE_ENV=production: graphql-js then skips its development checks on every type test
# (about 5% of a trackEvents batch's CPU, bench/ab.ts).
ENV HOST=0.0.0.0 PORT=4000 NODE_ENV=production
EXPOSE 4000
# Plain node as PID 1, so that `docker stop`'s SIGTERM reaches the service's own handler
# (graceful stop, exit 0) within Docker's 10 s; a 64 MB young generation, as npm start:
# see the README's Operating section.
CMD ["node", "--max-semi-space-size=32", "dist/main.js"]
