FROM node:20
WORKDIR /app
COPY package.json ./
RUN npm install
COPY node_modules/.prisma ./node_modules/.prisma
COPY . .
CMD ["npm", "start"]
